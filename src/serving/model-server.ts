import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { KeyObject } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type * as grpc from '@grpc/grpc-js';
import { SlipwayError, toRequestError } from '../errors/index.js';
import type { Db } from '../meta/index.js';
import {
  createPredictionLog,
  monitoringReport,
  parseFeedbackBody,
  parseWindow,
  recordFeedback,
  type DriftSettings,
  type PredictionLog,
  type RedactionSpec,
} from '../monitoring/index.js';
import type { ObjectStore } from '../store/index.js';
import type { BatchingOptions } from './batcher.js';
import type { LoadRuntimeOptions } from '../runtime/index.js';
import { openModelSet, type ModelSet, type ModelSource, type ServingEvent } from './model-set.js';
import { requestIdFrom, type ServingContext } from './prediction-pipeline.js';
import { registrySource } from './registry-source.js';
import { registerTfRest, sendError } from './rest-tf.js';
import { parseBoundedJson, type JsonLimits } from './bounded-json.js';
import { registerV2Rest } from './rest-v2.js';
import { installServingGuards, type ServingAccessOptions } from './serving-guards.js';
import { sweepOwnedTempDirs } from './owned-temp-dir.js';
import { assertSafeBind, frameworkErrorOf, makeClientErrorHandler } from '../access/index.js';
import { createServerMetrics } from './server-metrics.js';
import { createRoutingMetrics } from './traffic-router.js';
import { SERVING_DEFAULTS } from './serving-defaults.js';

/** Options of the model server. */
export interface ModelServerOptions {
  /** Workspace database and store: needed for registry references, prediction logging, feedback and monitoring. */
  readonly db?: Db;
  readonly store?: ObjectStore;
  readonly models: readonly ModelSource[];
  /** REST port (TF Serving's 8501 by default; 0 = ephemeral). */
  readonly restPort?: number;
  /** gRPC port (TF Serving's 8500 by default; 0 = ephemeral; null = no gRPC). */
  readonly grpcPort?: number | null;
  /** Interface to bind (default 127.0.0.1; use 0.0.0.0 to serve other hosts). */
  readonly host?: string;
  /** Dynamic batching per model; off when absent. */
  readonly batching?: BatchingOptions;
  /** Runtime loading options: `inlineMaxWeightBytes` decides which engine models predict on the event loop. */
  readonly runtime?: LoadRuntimeOptions;
  /** Largest request body in bytes (default 16 MiB); larger ones get 413 (gRPC: RESOURCE_EXHAUSTED). */
  readonly bodyLimit?: number;
  /** JSON depth and element limits, enforced while a body is parsed (defaults: depth 64, 4,194,304 values). */
  readonly jsonLimits?: Pick<JsonLimits, 'maxDepth' | 'maxElements'>;
  /** Against slow clients: socket inactivity, whole request, and keep-alive idle limits (ms). */
  readonly timeouts?: {
    readonly connectionMs?: number;
    readonly requestMs?: number;
    readonly keepAliveMs?: number;
    readonly headersMs?: number;
  };
  /** Prediction logging (needs `db`): sampling rate and redacted input names. Logging is on when a db is given. */
  readonly monitoring?: {
    readonly sampleRate?: number;
    /** Names redacted before logging: a list (masked) or name → drop | hash | mask. */
    readonly redact?: RedactionSpec;
    /** Key of the salted hashes (the CLI passes the workspace's .slipway/redaction.salt). */
    readonly redactionSalt?: string;
    /** Logged predictions and feedback older than this are deleted (`monitoring.retention`). */
    readonly retentionMs?: number;
    readonly logInputs?: boolean;
    readonly enabled?: boolean;
    /** Drift thresholds and reference window of the monitoring report (`monitoring.drift`). */
    readonly drift?: DriftSettings;
  };
  /** How often alias references are re-resolved for hot swap (default 1000 ms; 0 = never). */
  readonly pollIntervalMs?: number;
  /** Tokens (optional for predict unless configured; required for feedback, monitoring, /metrics once auth is on) and CORS. */
  readonly access?: ServingAccessOptions;
  /** Serve only registry versions whose model-signing bundle verifies with one of these public keys (files hashed at load). */
  readonly requireSignature?: { readonly keys: readonly KeyObject[] };
  /** Listen beyond loopback without authentication (otherwise AUTH_REQUIRED when no token exists). */
  readonly insecure?: boolean;
  /** Server version reported by /v2. */
  readonly version?: string;
  /** Swap and reload-failure events (the CLI prints them). */
  readonly onEvent?: (e: ServingEvent) => void;
  /** Models whose new versions may change the input signature (a deployment's allow_signature_change); default none. */
  readonly allowSignatureChange?: (model: string) => boolean;
  /**
   * Extra routes and background work on the same server (the CLI mounts the rollout API and its controller here);
   * the returned function runs first when the server closes.
   */
  readonly extend?: (
    app: FastifyInstance,
    server: { models: ModelSet; refresh(): Promise<number> },
  ) => Promise<(() => Promise<void>) | void>;
}

/** A running model server. */
export interface ModelServer {
  readonly restPort: number;
  readonly grpcPort: number | null;
  readonly models: ModelSet;
  /** Re-resolves alias references now (the poller does this every pollIntervalMs). */
  refresh(): Promise<number>;
  /** Stops taking requests, drains in-flight ones, flushes the prediction log and unloads models. */
  close(): Promise<void>;
}

/** Body keys whose numeric arrays are tensors: TF Serving's instances/inputs, Open Inference v2's data. */
const PACK_KEYS: ReadonlySet<string> = new Set(['instances', 'inputs', 'data']);

/** Starts the REST (TF Serving v1 + Open Inference v2 + /metrics + feedback) and gRPC servers over the given models. */
export async function startModelServer(opts: ModelServerOptions): Promise<ModelServer> {
  checkModelSources(opts);
  // Beyond loopback the server authenticates (AUTH_REQUIRED without a token) unless told --insecure.
  const authMode = await assertSafeBind({
    host: opts.host ?? SERVING_DEFAULTS.host,
    db: opts.db,
    legacyToken: opts.access?.legacyToken,
    insecure: opts.insecure,
  });
  // Checkouts left in the temp folder by servers that were killed (SIGKILL runs no cleanup) go first.
  sweepOwnedTempDirs();
  const metrics = createServerMetrics();
  const routed = createRoutingMetrics(metrics.registry);
  const needsRegistry = opts.models.some((m) => m.ref !== undefined);
  const registry = needsRegistry && opts.db && opts.store ? registrySource(opts.db, opts.store, opts.requireSignature?.keys) : undefined;
  const models = await openServedModels(opts, registry, metrics, routed);
  const log: PredictionLog | undefined =
    opts.db && opts.monitoring?.enabled !== false ? createPredictionLog(opts.db, opts.monitoring) : undefined;
  const ctx: ServingContext = { models, metrics, log, serverVersion: opts.version ?? '0.1.0' };
  const bodyLimit = opts.bodyLimit ?? SERVING_DEFAULTS.bodyLimit;

  const app = createRestApp(bodyLimit, opts.timeouts ?? {});
  installJsonParser(app, opts.jsonLimits);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', requestIdFrom(req.headers['x-request-id']));
  });
  installServingGuards(app, opts.db, { ...opts.access, auth: opts.access?.auth ?? authMode });
  installErrorHandlers(app, metrics);

  registerRoutes(app, ctx, opts);

  let refreshing: Promise<number> | null = null;
  const refresh = (): Promise<number> => (refreshing ??= models.refresh().finally(() => (refreshing = null)));
  const stopExtension = opts.extend ? await opts.extend(app, { models, refresh }) : undefined;

  let grpcServer: grpc.Server | null = null;
  let grpcPort: number | null = null;
  try {
    ({ grpcServer, grpcPort } = await listen(app, ctx, opts, bodyLimit));
  } catch (e) {
    await stopExtension?.();
    await app.close().catch(() => undefined);
    await models.close();
    await log?.close();
    throw new SlipwayError(
      'UNAVAILABLE',
      `could not start the model server: ${(e as Error).message}. Is the port already in use? Pick others with --rest-port/--grpc-port.`,
      undefined,
      { cause: e },
    );
  }
  const addr = app.server.address();
  const restPort = typeof addr === 'object' && addr ? addr.port : (opts.restPort ?? SERVING_DEFAULTS.restPort);

  const poll = opts.pollIntervalMs ?? SERVING_DEFAULTS.pollIntervalMs;
  const timer = registry && poll > 0 ? setInterval(() => void refresh().catch(() => undefined), poll) : null;
  timer?.unref();

  let closing: Promise<void> | null = null;
  return {
    restPort,
    grpcPort,
    models,
    refresh,
    close() {
      return (closing ??= (async () => {
        if (timer) clearInterval(timer);
        await stopExtension?.();
        await refreshing?.catch(() => undefined);
        const grpcDone = grpcServer ? shutdownGrpc(grpcServer) : Promise.resolve();
        await Promise.all([app.close(), grpcDone]);
        await log?.close();
        await models.close();
      })());
    },
  };
}

/** Refuses an empty model list, and folders when only signed registry versions may be served. */
function checkModelSources(opts: ModelServerOptions): void {
  if (opts.models.length === 0) throw new SlipwayError('USAGE', 'startModelServer needs at least one model.');
  if (opts.requireSignature && opts.models.some((m) => m.ref === undefined))
    throw new SlipwayError(
      'SIGNATURE_MISSING',
      'serving.require_signature is on: serve registry versions (signed with `slipway models sign`), not folders',
    );
}

/** Opens the served models with batching and routing figures wired to the server's metrics. */
function openServedModels(
  opts: ModelServerOptions,
  registry: ReturnType<typeof registrySource> | undefined,
  metrics: ReturnType<typeof createServerMetrics>,
  routed: ReturnType<typeof createRoutingMetrics>,
): Promise<ModelSet> {
  return openModelSet(opts.models, {
    registry,
    batching: opts.batching,
    runtime: opts.runtime,
    observer: (model) => ({
      batch: (rows) => metrics.batchSize.observe({ model }, rows),
      queueDepth: (d) => metrics.queueDepth.set({ model }, d),
    }),
    onEvent: opts.onEvent,
    onRouted: (model, version, role) => routed.inc({ model, version: String(version), role }),
    allowSignatureChange: opts.allowSignatureChange,
  });
}

/** The Fastify app on a node:http server with the slow-client timeouts. */
function createRestApp(bodyLimit: number, t: NonNullable<ModelServerOptions['timeouts']>): FastifyInstance {
  return Fastify({
    logger: false,
    bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Errors answered before routing (header overflow, bad URL, long parameter) use the catalogue's shape too.
    clientErrorHandler: makeClientErrorHandler((e) => JSON.stringify({ error: e.message })),
    frameworkErrors: (err, _req, reply) => void sendError(reply as unknown as Parameters<typeof sendError>[0], frameworkErrorOf(err)),
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
      const s = createServer(
        {
          requestTimeout: t.requestMs ?? 30_000,
          headersTimeout: t.headersMs ?? 10_000,
          keepAliveTimeout: t.keepAliveMs ?? 5_000,
          connectionsCheckingInterval: 1000,
        },
        handler,
      );
      s.setTimeout(t.connectionMs ?? 30_000, (socket) => socket.destroy());
      return s;
    },
  });
}

/** One bounded JSON parser for every body. */
function installJsonParser(app: FastifyInstance, jsonLimits: ModelServerOptions['jsonLimits']): void {
  // JSON bodies go through one bounded parser: depth and element limits hold while parsing (nothing is built from an
  // 8-million-level body), and predict/infer bodies get their tensors as packed numeric arrays (bounded-json.ts).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      const path = req.url.split('?')[0]!;
      const tensors = path.endsWith(':predict') || path.endsWith('/infer');
      done(null, parseBoundedJson(body as Buffer, { ...jsonLimits, packKeys: tensors ? PACK_KEYS : undefined }));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}

/** Errors and unknown routes answer in the catalogue's shape; requests that never reach a model are counted too. */
function installErrorHandlers(app: FastifyInstance, metrics: ReturnType<typeof createServerMetrics>): void {
  app.setErrorHandler((e: FastifyError, req, reply) => {
    const err = toRequestError(e);
    if (err.code === 'INTERNAL') req.log.error({ err: e }, 'unexpected error');
    if (
      (!req.url.startsWith('/v1/models/') && !req.url.startsWith('/v2/models/')) ||
      err.code === 'MALFORMED_JSON' ||
      err.code === 'REQUEST_TOO_COMPLEX' ||
      err.code === 'BODY_TOO_LARGE' ||
      err.code === 'BAD_REQUEST' ||
      err.code === 'ROUTE_NOT_FOUND'
    ) {
      metrics.requests.inc({
        model: '_none',
        version: '',
        protocol: req.url.startsWith('/v2') ? 'rest-v2' : 'rest-tf',
        code: String(err.httpStatus),
      });
    }
    return sendError(reply, err);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(
      reply,
      new SlipwayError(
        'ROUTE_NOT_FOUND',
        `No route ${req.method} ${req.url.split('?')[0]}; see /v1/models/NAME, /v2/models/NAME, /metrics.`,
      ),
    ),
  );
}

/** TF Serving REST (with monitoring when there is a db), Open Inference v2, /metrics and feedback. */
function registerRoutes(app: FastifyInstance, ctx: ServingContext, opts: ModelServerOptions): void {
  const { metrics, log } = ctx;
  registerTfRest(
    app,
    ctx,
    opts.db
      ? async (model, req) => {
          const q = req.query as { window?: string; reference?: string };
          const windowMs = parseWindow(q.window ?? '1h');
          const base = opts.monitoring?.drift;
          const drift = q.reference === undefined ? base : { ...base, referenceMs: parseWindow(q.reference) };
          return monitoringReport(opts.db!, model, { windowMs, sampleRate: opts.monitoring?.sampleRate, drift });
        }
      : undefined,
  );
  registerV2Rest(app, ctx);
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  app.post('/v1/feedback', async (req) => {
    if (!opts.db)
      throw new SlipwayError(
        'ROUTE_NOT_FOUND',
        'feedback is off: this server runs without a workspace database (run slipway serve inside a workspace).',
      );
    const items = parseFeedbackBody(req.body);
    await log?.flush();
    return { accepted: await recordFeedback(opts.db, items) };
  });
}

/** Listens on the REST port, then (unless it is null) on the gRPC port. */
async function listen(
  app: FastifyInstance,
  ctx: ServingContext,
  opts: ModelServerOptions,
  bodyLimit: number,
): Promise<{ grpcServer: grpc.Server | null; grpcPort: number | null }> {
  await app.listen({ port: opts.restPort ?? SERVING_DEFAULTS.restPort, host: opts.host ?? SERVING_DEFAULTS.host });
  if (opts.grpcPort === null) return { grpcServer: null, grpcPort: null };
  // @grpc/grpc-js and the protos are loaded only when gRPC is on.
  const { startGrpcServer } = await import('./grpc-server.js');
  const g = await startGrpcServer(ctx, opts.host ?? SERVING_DEFAULTS.host, opts.grpcPort ?? SERVING_DEFAULTS.grpcPort, bodyLimit);
  return { grpcServer: g.server, grpcPort: g.port };
}

/** Lets in-flight gRPC calls finish, forcing the shutdown after 10 s. */
function shutdownGrpc(s: grpc.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => s.forceShutdown(), 10_000);
    s.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
