import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Workspace } from '../config/index.js';
import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';
import { installErrorHandling } from './error-handler.js';
import { installBearerAuth } from './auth.js';
import type { ServerContext } from './server-context.js';
import { runRoutes } from './routes/runs.js';
import { metricRoutes } from './routes/metrics.js';
import { artifactRoutes } from './routes/artifacts.js';
import { datasetRoutes } from './routes/datasets.js';
import { modelRoutes } from './routes/models.js';

/** Options for the control-plane server. */
export interface BuildServerOptions {
  readonly workspace: Workspace;
  readonly db: Db;
  readonly store: ObjectStore;
  /** Largest JSON body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Largest raw upload (artifacts, objects) in bytes (default 4 GiB; streamed to disk). */
  readonly uploadLimit?: number;
  /** When set, every route but /api/health needs `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /** Fastify/pino logger options (default: off; `slipway server` turns JSON logs on). */
  readonly logger?: FastifyServerOptions['logger'];
}

/** Builds the control-plane HTTP API (Fastify). Each concept's routes are one plugin, registered by one line below. */
export async function buildServer(opts: BuildServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: opts.bodyLimit ?? 1024 * 1024, logger: opts.logger ?? false, return503OnClosing: true });
  installErrorHandling(app);
  if (opts.token) installBearerAuth(app, opts.token);
  const ctx: ServerContext = { workspace: opts.workspace, db: opts.db, store: opts.store, uploadLimit: opts.uploadLimit ?? 4 * 1024 ** 3 };
  app.get('/api/health', async () => ({ status: 'ok', dialect: opts.db.dialect }));
  await app.register(runRoutes, ctx);
  await app.register(metricRoutes, ctx);
  await app.register(artifactRoutes, ctx);
  await app.register(datasetRoutes, ctx);
  await app.register(modelRoutes, ctx);
  return app;
}
