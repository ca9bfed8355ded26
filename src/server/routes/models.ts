/**
 * The model registry over REST: the same operations as the SDK (src/registry) and `slipway models`.
 *
 * GET  /api/models                                   list models
 * POST /api/models/:name/versions                    register ({ runId } or { path } inside the workspace)
 * GET  /api/models/:name                             versions and aliases
 * GET  /api/models/:name/versions/:version           one version (+ its latest gate report)
 * GET  /api/models/:name/resolve/:ref                resolve `3`, `v3`, `production`, `latest`
 * GET  /api/model-refs/:ref                         resolve a whole reference: `name`, `name@3`, `name@latest`, `name:alias`
 * GET  /api/models/:name/aliases                     aliases
 * PUT  /api/models/:name/aliases/:alias              move ({ version, reason?, expected? }; the actor is the token's identity)
 * POST /api/models/:name/aliases/:alias/rollback     roll back ({ reason? })
 * POST /api/models/:name/aliases/:alias/promote      gates then move ({ version, force?, reason?, allowSignatureChange?, dataset? })
 * GET  /api/models/:name/history                     alias moves (?alias=)
 * GET  /api/models/:name/diff?a=1&b=2                compare two versions
 * GET  /api/models/:name/versions/:version/lineage   lineage
 * POST /api/models/:name/versions/:version/gates     run the gates ({ dataset? })
 * GET  /api/gate-reports/:id                         a stored gate report
 */
import { relative, resolve, isAbsolute } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { SlipwayError, isSlipwayError } from '../../errors/index.js';
import { loadConfig } from '../../config/index.js';
import {
  registerModel,
  listModels,
  listVersions,
  listAliases,
  getVersion,
  resolveModelRef,
  setAlias,
  rollbackAlias,
  aliasHistory,
  diffVersions,
  modelLineage,
  parseModelRef,
  modelRefOf,
  versionRef,
} from '../../registry/index.js';
import { runGates, getGateReport, latestGateReport, promoteWithGates } from '../../gates/index.js';
import type { ServerContext } from '../server-context.js';
import { parseRequest, paramValue } from '../parse-request.js';

const nameParams = z.object({ name: z.string().min(1) });
const versionParams = z.object({ name: z.string().min(1), version: z.coerce.number().int().positive() });
const aliasParams = z.object({ name: z.string().min(1), alias: z.string().min(1) });
const registerBody = z.union([z.object({ runId: z.string().min(1) }), z.object({ path: z.string().min(1) })]).and(
  z.object({
    format: z.enum(['slipway', 'onnx']).optional(),
    description: z.string().optional(),
    metrics: z.record(z.string(), z.number()).optional(),
    params: z.record(z.string(), paramValue).optional(),
  }),
);
// The actor is the authenticated identity (req.identity), never a body field: an `actor` sent in the body is ignored.
const actorFields = { reason: z.string().optional() };

/** Registry routes (see the list above). */
export const modelRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  const { db, store, workspace } = ctx;
  const config = (): ReturnType<typeof loadConfig> => loadConfig(workspace.configPath);

  app.get('/api/models', async () => ({ models: await listModels(db) }));

  app.post('/api/models/:name/versions', async (req, reply) => {
    const { name } = parseRequest(nameParams, req.params, 'path');
    const body = parseRequest(registerBody, req.body);
    let from: { runId: string } | { path: string };
    if ('runId' in body) from = { runId: body.runId };
    else {
      // Over HTTP only paths inside the workspace may be registered: the server must not read arbitrary files.
      const full = resolve(workspace.root, body.path);
      const rel = relative(workspace.root, full);
      if (rel.startsWith('..') || isAbsolute(rel))
        throw new SlipwayError('BAD_REQUEST', `path ${body.path} is outside the workspace; upload it as a run artifact instead`, {});
      // The state folder (database, objects) is never a model source, and must not be listed back to a client.
      if (rel === '' || rel.split(/[\\/]/)[0] === '.slipway')
        throw new SlipwayError('BAD_REQUEST', `path ${body.path} is not a model folder; give a folder or .onnx file inside the workspace`);
      from = { path: full };
    }
    const version = await registerModel(db, store, {
      name,
      from,
      format: body.format,
      description: body.description,
      metrics: body.metrics,
      params: body.params,
    }).catch((e: unknown) => {
      // Registry messages name absolute paths and list files: over HTTP only the client's own relative path goes back.
      if ('path' in body && isSlipwayError(e) && e.code.startsWith('MODEL_'))
        throw new SlipwayError(
          e.code,
          `${body.path} is not a registrable model (a folder with model.json + weights.bin, or one .onnx file)`,
        );
      throw e;
    });
    return reply.status(201).send({ version });
  });

  app.get('/api/models/:name', async (req) => {
    const { name } = parseRequest(nameParams, req.params, 'path');
    const q = parseRequest(
      z.object({ limit: z.coerce.number().int().min(1).max(100_000).default(100), offset: z.coerce.number().int().min(0).default(0) }),
      req.query,
      'query',
    );
    return { name, aliases: await listAliases(db, name), versions: await listVersions(db, name, q) };
  });

  app.get('/api/models/:name/versions/:version', async (req) => {
    const { name, version } = parseRequest(versionParams, req.params, 'path');
    const v = await getVersion(db, name, version);
    return { version: v, gateReport: (await latestGateReport(db, name, version)) ?? null };
  });

  app.get('/api/models/:name/resolve/:ref', async (req) => {
    const { name, ref } = parseRequest(z.object({ name: z.string().min(1), ref: z.string().min(1) }), req.params, 'path');
    return { version: await resolveModelRef(db, modelRefOf(name, ref)) };
  });

  app.get('/api/model-refs/:ref', async (req) => {
    const { ref } = parseRequest(z.object({ ref: z.string().min(1) }), req.params, 'path');
    return { version: await resolveModelRef(db, parseModelRef(ref)) };
  });

  app.get('/api/models/:name/aliases', async (req) => {
    const { name } = parseRequest(nameParams, req.params, 'path');
    return { aliases: await listAliases(db, name) };
  });

  app.put('/api/models/:name/aliases/:alias', async (req) => {
    const { name, alias } = parseRequest(aliasParams, req.params, 'path');
    const body = parseRequest(
      z.object({ version: z.number().int().positive(), expected: z.number().int().positive().nullable().optional(), ...actorFields }),
      req.body,
    );
    const move = await setAlias(db, {
      model: name,
      alias,
      version: body.version,
      actor: req.identity.name,
      reason: body.reason,
      expected: body.expected,
      webhooks: config().webhooks,
    });
    return { move };
  });

  app.post('/api/models/:name/aliases/:alias/rollback', async (req) => {
    const { name, alias } = parseRequest(aliasParams, req.params, 'path');
    const body = parseRequest(z.object(actorFields), req.body);
    return {
      move: await rollbackAlias(db, { model: name, alias, actor: req.identity.name, reason: body.reason, webhooks: config().webhooks }),
    };
  });

  app.post('/api/models/:name/aliases/:alias/promote', async (req, reply) => {
    const { name, alias } = parseRequest(aliasParams, req.params, 'path');
    const body = parseRequest(
      z.object({
        version: z.number().int().positive(),
        force: z.boolean().optional(),
        allowSignatureChange: z.boolean().optional(),
        dataset: z.string().optional(),
        ...actorFields,
      }),
      req.body,
    );
    const cfg = config();
    const r = await promoteWithGates(db, store, {
      ref: versionRef(name, body.version),
      alias,
      actor: req.identity.name,
      force: body.force,
      reason: body.reason,
      allowSignatureChange: body.allowSignatureChange,
      gates: cfg.gates,
      dataset: body.dataset,
      root: workspace.root,
      webhooks: cfg.webhooks,
    });
    if (r.moved) return { move: r.move, gateReport: r.gateReport };
    return reply.status(r.error.httpStatus).send({ error: { code: r.error.code, message: r.error.message }, gateReport: r.gateReport });
  });

  app.get('/api/models/:name/history', async (req) => {
    const { name } = parseRequest(nameParams, req.params, 'path');
    const q = parseRequest(z.object({ alias: z.string().optional() }), req.query, 'query');
    return { history: await aliasHistory(db, name, { alias: q.alias }) };
  });

  app.get('/api/models/:name/diff', async (req) => {
    const { name } = parseRequest(nameParams, req.params, 'path');
    const q = parseRequest(z.object({ a: z.coerce.number().int().positive(), b: z.coerce.number().int().positive() }), req.query, 'query');
    return { diff: await diffVersions(db, versionRef(name, q.a), versionRef(name, q.b)) };
  });

  app.get('/api/models/:name/versions/:version/lineage', async (req) => {
    const { name, version } = parseRequest(versionParams, req.params, 'path');
    return { lineage: await modelLineage(db, versionRef(name, version)) };
  });

  app.post('/api/models/:name/versions/:version/gates', async (req) => {
    const { name, version } = parseRequest(versionParams, req.params, 'path');
    const body = parseRequest(z.object({ dataset: z.string().optional() }), req.body);
    return {
      report: await runGates(db, store, {
        ref: versionRef(name, version),
        gates: config().gates,
        dataset: body.dataset,
        root: workspace.root,
      }),
    };
  });

  app.get('/api/gate-reports/:id', async (req) => {
    const { id } = parseRequest(z.object({ id: z.string().min(1) }), req.params, 'path');
    const r = await getGateReport(db, id);
    if (!r) throw new SlipwayError('GATE_REPORT_NOT_FOUND', `no gate report ${id}; ids are listed by \`slipway models history\``, { id });
    return { report: r };
  });
};
