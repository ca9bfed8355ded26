/**
 * Metric history with paging, or downsampled for charts:
 *
 *   curl -s 'localhost:5000/api/runs/$RUN/metrics/loss/history?offset=0&limit=1000'
 *   → { "points": [{ "step": 0, "ts": 1732670000000, "value": 0.9 }, …], "next_offset": 1000 }
 *   curl -s 'localhost:5000/api/runs/$RUN/metrics/loss/history?max_points=1000&x=step'
 *   → { "points": [...at most 1000, chosen by LTTB...], "total": 100000, "downsampled": true, "next_offset": null }
 *   curl -s 'localhost:5000/api/metrics/histories?runs=$A,$B&keys=loss,accuracy&max_points=500'
 *   → { "histories": [{ "runId": A, "key": "loss", "step": [...], "ts": [...], "value": [...], "total": …, "downsampled": … }, …] }
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { downsampleHistories, downsampleHistory, metricHistory } from '../../tracking/index.js';
import { SlipwayError } from '../../errors/index.js';
import type { ServerContext } from '../server-context.js';
import { parseRequest } from '../parse-request.js';

/** Most points one history request returns; clients page with `next_offset`. */
export const MAX_HISTORY_PAGE = 100_000;

const pathParams = z.object({ id: z.string().min(1), key: z.string().min(1) });
const pageQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_HISTORY_PAGE).default(MAX_HISTORY_PAGE),
  max_points: z.coerce.number().int().min(3).max(MAX_HISTORY_PAGE).optional(),
  x: z.enum(['step', 'time']).default('step'),
});

const batchQuery = z.object({
  runs: z.string().min(1),
  keys: z.string().min(1),
  max_points: z.coerce.number().int().min(3).max(MAX_HISTORY_PAGE).default(500),
  x: z.enum(['step', 'time']).default('step'),
});

/** Metric history routes. */
export const metricRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  app.get('/api/runs/:id/metrics/:key/history', async (req) => {
    const { id, key } = parseRequest(pathParams, req.params, 'path');
    const { offset, limit, max_points: maxPoints, x } = parseRequest(pageQuery, req.query, 'query');
    if (maxPoints !== undefined) return { ...(await downsampleHistory(ctx.db, id, key, maxPoints, x)), next_offset: null };
    // One extra row tells whether another page follows.
    const rows = await metricHistory(ctx.db, id, key, { offset, limit: limit + 1 });
    const more = rows.length > limit;
    return { points: more ? rows.slice(0, limit) : rows, next_offset: more ? offset + limit : null };
  });

  // Many runs × keys in one request (the compare view): two queries per key, columns instead of point objects.
  app.get('/api/metrics/histories', async (req) => {
    const q = parseRequest(batchQuery, req.query, 'query');
    const runs = [...new Set(q.runs.split(',').filter(Boolean))];
    const keys = [...new Set(q.keys.split(',').filter(Boolean))];
    if (runs.length > 1000 || keys.length > 50)
      throw new SlipwayError('BAD_REQUEST', `ask for at most 1000 runs and 50 keys at once (got ${runs.length} and ${keys.length})`);
    const histories = [];
    for (const key of keys) {
      const byRun = await downsampleHistories(ctx.db, runs, key, q.max_points, q.x);
      for (const runId of runs) {
        const h = byRun.get(runId);
        const pts = h?.points ?? [];
        histories.push({
          runId,
          key,
          step: pts.map((p) => p.step),
          ts: pts.map((p) => p.ts),
          value: pts.map((p) => p.value),
          total: h?.total ?? 0,
          downsampled: h?.downsampled ?? false,
        });
      }
    }
    return { histories };
  });
};
