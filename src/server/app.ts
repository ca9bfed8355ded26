import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { Workspace } from '../config/index.js';
import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';
import { installErrorHandling } from './error-handler.js';
import { installAuth } from './auth.js';
import { installRouteAccess } from './route-access.js';
import { installNameChecks } from './request-names.js';
import { openArtifactQuota } from './artifact-quota.js';
import { checkUrlLength, clientErrorHandler, createAuthenticator, errorBody, frameworkErrorOf, type AuthMode } from '../access/index.js';
import type { ServerContext } from './server-context.js';
import { runRoutes } from './routes/runs.js';
import { metricRoutes } from './routes/metrics.js';
import { artifactRoutes } from './routes/artifacts.js';
import { datasetRoutes } from './routes/datasets.js';
import { modelRoutes } from './routes/models.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { monitoringRoutes } from './routes/monitoring.js';
import { installStaticUi, DEFAULT_UI_DIR } from './static-ui.js';

/** Options for the control-plane server. */
export interface BuildServerOptions {
  readonly workspace: Workspace;
  readonly db: Db;
  readonly store: ObjectStore;
  /** Largest JSON body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Largest raw upload (artifacts, objects) in bytes (default 1 GiB; streamed to disk). */
  readonly uploadLimit?: number;
  /** Most bytes the workspace's object store may hold before uploads get QUOTA_EXCEEDED (default 20 GiB). */
  readonly quotaBytes?: number;
  /** SLIPWAY_TOKEN: one shared admin token; when set, every route but /api/health needs it or another valid token. */
  readonly token?: string | undefined;
  /** `auto` (default): auth is on once any token exists; `on`: always; `off`: never (loopback or --insecure only). */
  readonly auth?: AuthMode;
  /** Fastify/pino logger options (default: off; `slipway server` turns JSON logs on). */
  readonly logger?: FastifyServerOptions['logger'];
  /** The built dashboard served at `/` (default: the package's ui/dist); `false` serves the API only. */
  readonly uiDir?: string | false;
}

/** Builds the control-plane HTTP API (Fastify). Each concept's routes are one plugin, registered by one line below. */
export async function buildServer(opts: BuildServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    logger: opts.logger ?? false,
    return503OnClosing: true,
    // Errors answered before routing (header overflow, bad URL, long parameter) use the catalogue's shape too.
    clientErrorHandler,
    frameworkErrors: (err, _req, reply) => {
      const e = frameworkErrorOf(err);
      void (reply as unknown as FastifyReply).code(e.httpStatus).type('application/json; charset=utf-8').send(errorBody(e));
    },
  });
  installErrorHandling(app, [opts.workspace.root]);
  app.addHook('onRequest', async (req) => checkUrlLength(req.url));
  installAuth(app, createAuthenticator(opts.db, opts.auth ?? 'auto', opts.token));
  installRouteAccess(app, opts.db);
  installNameChecks(app);
  // JSON only (a browser can post text/plain cross-site without a preflight): other types get 415. Raw upload routes add their own parser.
  app.removeContentTypeParser('text/plain');
  const ctx: ServerContext = {
    workspace: opts.workspace,
    db: opts.db,
    store: opts.store,
    uploadLimit: opts.uploadLimit ?? 1024 ** 3,
    quota: await openArtifactQuota(opts.workspace.objectsDir, opts.quotaBytes ?? 20 * 1024 ** 3),
  };
  app.get('/api/health', async () => ({ status: 'ok', dialect: opts.db.dialect }));
  await app.register(runRoutes, ctx);
  await app.register(metricRoutes, ctx);
  await app.register(artifactRoutes, ctx);
  await app.register(datasetRoutes, ctx);
  await app.register(modelRoutes, ctx);
  await app.register(pipelineRoutes, ctx);
  await app.register(monitoringRoutes, ctx);
  if (opts.uiDir !== false) installStaticUi(app, opts.uiDir ?? DEFAULT_UI_DIR);
  return app;
}
