/**
 * Live monitoring for the dashboard, from the prediction log and feedback in the workspace database:
 *
 *   curl -s localhost:5000/api/monitoring                              # models with logged predictions
 *   curl -s 'localhost:5000/api/monitoring/mnist?window=1h&buckets=60'  # report (drift, alerts) + per-version series
 *   curl -N 'localhost:5000/api/monitoring/mnist/stream?window=15m'     # the same, as server-sent events every few seconds
 */
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { loadConfig } from '../../config/index.js';
import { driftSettings, evaluateAlerts, monitoringReport, parseWindow } from '../../monitoring/index.js';
import { monitoredModels, monitoringSeries } from '../../monitoring/monitoring-series.js';
import { listAliases } from '../../registry/index.js';
import type { ServerContext } from '../server-context.js';
import { parseRequest } from '../parse-request.js';
import { toRequestError } from '../error-handler.js';

const query = z.object({
  window: z.string().default('1h'),
  buckets: z.coerce.number().int().min(1).max(1000).default(60),
  every: z.coerce.number().int().min(250).max(60_000).default(2000),
});

/** Monitoring routes (model list, snapshot, SSE stream). */
export const monitoringRoutes: FastifyPluginAsync<ServerContext> = async (app, ctx) => {
  const { db, workspace } = ctx;
  const streams = new Set<ServerResponse>();
  // Server-sent event streams never end by themselves: end them so close() does not wait for the clients.
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
  });

  const snapshot = async (model: string, q: z.output<typeof query>): Promise<unknown> => {
    const windowMs = parseWindow(q.window);
    const monitoring = loadConfig(workspace.configPath).monitoring;
    const [report, series, aliases] = await Promise.all([
      monitoringReport(db, model, { windowMs, sampleRate: monitoring?.sample_rate, drift: driftSettings(monitoring) }),
      monitoringSeries(db, model, { windowMs, buckets: q.buckets }),
      listAliases(db, model).catch(() => []),
    ]);
    const alerts = evaluateAlerts(report, monitoring?.alerts ?? []);
    // A version's role is the aliases pointing at it (production/stable, canary, …).
    const roles: Record<string, string[]> = {};
    for (const a of aliases) (roles[String(a.version)] ??= []).push(a.alias);
    return { model, at: Date.now(), report, series, roles, alerts };
  };

  app.get('/api/monitoring', async () => ({ models: await monitoredModels(db) }));

  app.get('/api/monitoring/:model', async (req) => {
    const { model } = parseRequest(z.object({ model: z.string().min(1) }), req.params, 'path');
    return snapshot(model, parseRequest(query, req.query, 'query'));
  });

  app.get('/api/monitoring/:model/stream', async (req, reply) => {
    const { model } = parseRequest(z.object({ model: z.string().min(1) }), req.params, 'path');
    const q = parseRequest(query, req.query, 'query');
    parseWindow(q.window); // a bad window answers 400 before the stream starts
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    streams.add(res);
    let timer: NodeJS.Timeout | undefined;
    const send = async (): Promise<void> => {
      try {
        res.write(`event: snapshot\ndata: ${JSON.stringify(await snapshot(model, q))}\n\n`);
      } catch (e) {
        const se = toRequestError(e);
        res.write(`event: failure\ndata: ${JSON.stringify({ code: se.code, message: se.message })}\n\n`);
      }
      if (streams.has(res)) timer = setTimeout(() => void send(), q.every);
    };
    res.on('close', () => {
      streams.delete(res);
      clearTimeout(timer);
    });
    await send();
  });
};
