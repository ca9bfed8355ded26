/**
 * Runs over REST, so training code in any language can log. For example, with curl:
 *
 *   RUN=$(curl -s localhost:5000/api/runs -H 'content-type: application/json' \
 *     -d '{"experiment":"mnist","name":"py-1","params":{"lr":0.01}}' | jq -r .run.id)
 *   curl -s localhost:5000/api/runs/$RUN/log-batch -H 'content-type: application/json' \
 *     -d '{"metrics":[{"key":"loss","value":0.42,"step":1,"timestamp":1732670000000}]}'
 *   curl -s localhost:5000/api/runs/$RUN/end -H 'content-type: application/json' -d '{"status":"FINISHED"}'
 *   curl -s 'localhost:5000/api/runs?experiment=mnist&where=metrics.loss%20%3C%200.5&order_by=metrics.loss%20asc'
 *
 * Routes: POST /api/runs, GET /api/runs (?offset=&limit= paging, `total`), GET /api/runs/batch?ids=, GET /api/runs/keys, GET /api/experiments, GET /api/runs/:id, POST /api/runs/:id/{params,tags,log-batch,inputs,end}.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import {
  createRun,
  endRun,
  getRun,
  listRuns,
  countRuns,
  runKeys,
  listExperimentNames,
  logBatch,
  addInput,
  hydrateRuns,
} from '../../tracking/index.js';
import { runNotFound, runStatus } from '../../tracking/run-repository.js';
import { SlipwayError } from '../../errors/index.js';
import type { ServerContext } from '../server-context.js';
import { paramMap, parseRequest, stringMap } from '../parse-request.js';

const idParams = z.object({ id: z.string().min(1) });
const datasetInput = z.object({ dataset: z.string().min(1), version: z.number().int().positive(), treeHash: z.string().min(1) });
const createBody = z.object({
  experiment: z.string().min(1),
  name: z.string().optional(),
  kind: z.string().optional(),
  parentRunId: z.string().optional(),
  params: paramMap.optional(),
  tags: stringMap.optional(),
  inputs: z.array(datasetInput).optional(),
  code: z.object({ commit: z.string().nullable(), dirty: z.boolean(), diffHash: z.string().nullable() }).optional(),
  env: stringMap.optional(),
  startTime: z.number().int().optional(),
});
const metricRow = z.object({
  key: z.string(),
  value: z.number(),
  // Integer checks happen in the repository so both backends answer METRIC_INVALID alike.
  step: z.number().default(0),
  timestamp: z.number().optional(),
});
const batchBody = z.object({ metrics: z.array(metricRow).optional(), params: paramMap.optional(), tags: stringMap.optional() });
const listQuery = z.object({
  experiment: z.string().optional(),
  status: z.enum(['RUNNING', 'FINISHED', 'FAILED', 'KILLED']).optional(),
  where: z.string().optional(),
  order_by: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

/** Run routes (create, read, list with filters, log params/tags/metric batches, inputs, end). */
export const runRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  const { db } = ctx;

  app.post('/api/runs', async (req, reply) => {
    const body = parseRequest(createBody, req.body);
    const { id } = await createRun(db, body);
    return reply.status(201).send({ run: await getRun(db, id) });
  });

  app.get('/api/runs', async (req) => {
    const q = parseRequest(listQuery, req.query, 'query');
    const query = { experiment: q.experiment, status: q.status, where: q.where, orderBy: q.order_by, limit: q.limit, offset: q.offset };
    // `total` counts every match, so a client can page (offset/limit) through them.
    const [runs, total] = await Promise.all([listRuns(db, query), countRuns(db, query)]);
    return { runs, total };
  });

  // Several runs by id in one request (the compare view), in the order asked.
  app.get('/api/runs/batch', async (req) => {
    const q = parseRequest(z.object({ ids: z.string().min(1) }), req.query, 'query');
    const ids = [...new Set(q.ids.split(',').filter(Boolean))];
    if (ids.length > 1000) throw new SlipwayError('BAD_REQUEST', `ask for at most 1000 runs at once (got ${ids.length})`);
    const runs = await hydrateRuns(db, ids);
    const byId = new Map(runs.map((r) => [r.id, r]));
    const missing = ids.find((id) => !byId.has(id));
    if (missing !== undefined) throw runNotFound(missing);
    return { runs: ids.map((id) => byId.get(id)!) };
  });

  app.get('/api/runs/keys', async (req) => {
    const q = parseRequest(z.object({ experiment: z.string().optional() }), req.query, 'query');
    return { keys: await runKeys(db, { experiment: q.experiment }) };
  });

  app.get('/api/experiments', async () => ({ experiments: await listExperimentNames(db) }));

  app.get('/api/runs/:id', async (req) => {
    const { id } = parseRequest(idParams, req.params, 'path');
    return { run: await getRun(db, id) };
  });

  app.post('/api/runs/:id/params', async (req) => {
    const { id } = parseRequest(idParams, req.params, 'path');
    const body = parseRequest(z.object({ params: paramMap }), req.body);
    await logBatch(db, id, { params: body.params });
    return {};
  });

  app.post('/api/runs/:id/tags', async (req) => {
    const { id } = parseRequest(idParams, req.params, 'path');
    const body = parseRequest(z.object({ tags: stringMap }), req.body);
    await logBatch(db, id, { tags: body.tags });
    return {};
  });

  app.post('/api/runs/:id/log-batch', async (req) => {
    const { id } = parseRequest(idParams, req.params, 'path');
    const body = parseRequest(batchBody, req.body);
    const now = Date.now();
    const metrics = (body.metrics ?? []).map((m) => ({ key: m.key, value: m.value, step: m.step, timestamp: m.timestamp ?? now }));
    await logBatch(db, id, { metrics, params: body.params, tags: body.tags });
    return {};
  });

  app.post('/api/runs/:id/inputs', async (req) => {
    const { id } = parseRequest(idParams, req.params, 'path');
    const body = parseRequest(datasetInput, req.body);
    await runStatus(db, id);
    await addInput(db, id, body);
    return {};
  });

  app.post('/api/runs/:id/end', async (req) => {
    const { id } = parseRequest(idParams, req.params, 'path');
    const body = parseRequest(z.object({ status: z.enum(['FINISHED', 'FAILED', 'KILLED']).default('FINISHED') }), req.body);
    await endRun(db, id, body.status);
    return { run: await getRun(db, id) };
  });
};
