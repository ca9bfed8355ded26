/**
 * Metric history with paging, or downsampled for charts:
 *
 *   curl -s 'localhost:5000/api/runs/$RUN/metrics/loss/history?offset=0&limit=1000'
 *   → { "points": [{ "step": 0, "ts": 1732670000000, "value": 0.9 }, …], "next_offset": 1000 }
 *   curl -s 'localhost:5000/api/runs/$RUN/metrics/loss/history?max_points=1000&x=step'
 *   → { "points": [...at most 1000, chosen by LTTB...], "total": 100000, "downsampled": true, "next_offset": null }
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { lttb, metricHistory, type MetricPoint } from '../../tracking/index.js';
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

/** Metric history route. */
export const metricRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  app.get('/api/runs/:id/metrics/:key/history', async (req) => {
    const { id, key } = parseRequest(pathParams, req.params, 'path');
    const { offset, limit, max_points: maxPoints, x } = parseRequest(pageQuery, req.query, 'query');
    if (maxPoints !== undefined) {
      // Downsampling needs the whole history: read it page by page, then keep the points LTTB picks.
      const all: MetricPoint[] = [];
      for (let off = 0; ; off += MAX_HISTORY_PAGE) {
        const page = await metricHistory(ctx.db, id, key, { offset: off, limit: MAX_HISTORY_PAGE });
        for (const p of page) all.push(p);
        if (page.length < MAX_HISTORY_PAGE) break;
      }
      const xy = all.map((p) => ({ x: x === 'time' ? p.ts : p.step, y: p.value, p }));
      if (x === 'time') xy.sort((a, b) => a.x - b.x);
      const kept = lttb(xy, maxPoints).map((e) => e.p);
      return { points: kept, total: all.length, downsampled: kept.length < all.length, next_offset: null };
    }
    // One extra row tells whether another page follows.
    const rows = await metricHistory(ctx.db, id, key, { offset, limit: limit + 1 });
    const more = rows.length > limit;
    return { points: more ? rows.slice(0, limit) : rows, next_offset: more ? offset + limit : null };
  });
};
