/**
 * Metric history with paging:
 *
 *   curl -s 'localhost:5000/api/runs/$RUN/metrics/loss/history?offset=0&limit=1000'
 *   → { "points": [{ "step": 0, "ts": 1732670000000, "value": 0.9 }, …], "next_offset": 1000 }
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { metricHistory } from '../../tracking/index.js';
import type { ServerContext } from '../server-context.js';
import { parseRequest } from '../parse-request.js';

/** Most points one history request returns; clients page with `next_offset`. */
export const MAX_HISTORY_PAGE = 100_000;

const pathParams = z.object({ id: z.string().min(1), key: z.string().min(1) });
const pageQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_HISTORY_PAGE).default(MAX_HISTORY_PAGE),
});

/** Metric history route. */
export const metricRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  app.get('/api/runs/:id/metrics/:key/history', async (req) => {
    const { id, key } = parseRequest(pathParams, req.params, 'path');
    const { offset, limit } = parseRequest(pageQuery, req.query, 'query');
    // One extra row tells whether another page follows.
    const rows = await metricHistory(ctx.db, id, key, { offset, limit: limit + 1 });
    const more = rows.length > limit;
    return { points: more ? rows.slice(0, limit) : rows, next_offset: more ? offset + limit : null };
  });
};
