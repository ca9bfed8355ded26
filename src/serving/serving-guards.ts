/**
 * The model server's front door: URL length, CORS (off unless origins are configured), JSON-only bodies (415
 * otherwise: a browser can post text/plain cross-site without a preflight), and tokens — optional for predict and
 * metadata unless `predictNeedsToken`, required for feedback, monitoring and /metrics once auth is on.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  checkUrlLength,
  corsHeaders,
  createAuthenticator,
  isJsonContentType,
  missingToken,
  roleAtLeast,
  unsupportedMediaType,
  type AuthMode,
  type Identity,
} from '../access/index.js';
import { SlipwayError } from '../errors/index.js';
import type { Db } from '../meta/index.js';

/** Access options of the model server. */
export interface ServingAccessOptions {
  /** `auto` (default): tokens are checked once any exists in the workspace; `on`; `off`. */
  readonly auth?: AuthMode;
  /** SLIPWAY_TOKEN: one shared admin token. */
  readonly legacyToken?: string | undefined;
  /** Require a token for predict and metadata too (`serving.auth.predict: required`). */
  readonly predictNeedsToken?: boolean;
  /** Origins allowed to call from a browser (`serving.cors_origins`); none by default. */
  readonly corsOrigins?: readonly string[];
}

/** Which kind of route a request is, for the token rule. */
export function servingRouteKind(method: string, url: string): 'predict' | 'feedback' | 'deploy' | 'admin' | 'public' {
  const path = url.split('?')[0] ?? url;
  if (path === '/v1/feedback') return 'feedback';
  // The rollout API: reading needs a token, steering traffic or moving the stable alias needs the deployer role.
  if (path === '/v1/deployments' || path.startsWith('/v1/deployments/')) return method === 'GET' ? 'admin' : 'deploy';
  if (path === '/metrics' || /^\/v1\/models\/[^?]*\/monitoring$/.test(path)) return 'admin';
  if (path.startsWith('/v2/health') || path === '/v2') return 'public';
  return method === 'OPTIONS' ? 'public' : 'predict';
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hasBody(req: FastifyRequest): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Installs the guards on the model server's Fastify instance (before any route runs). */
export function installServingGuards(app: FastifyInstance, db: Db | undefined, opts: ServingAccessOptions = {}): void {
  const auth = createAuthenticator(db, opts.auth ?? 'auto', opts.legacyToken);
  const origins = opts.corsOrigins ?? [];
  app.addHook('onRequest', async (req, reply) => {
    checkUrlLength(req.url);
    const cors = corsHeaders(req.headers.origin, origins);
    for (const [k, v] of Object.entries(cors)) reply.header(k, v);
    if (req.method === 'OPTIONS') {
      // A preflight from an allowed origin is answered here; any other gets 403 and the browser stops.
      if (Object.keys(cors).length === 0)
        throw new SlipwayError('FORBIDDEN', 'cross-origin requests are off; set serving.cors_origins to allow an origin');
      return reply.code(204).send();
    }
    if (BODY_METHODS.has(req.method) && hasBody(req) && !isJsonContentType(req.headers['content-type']))
      throw unsupportedMediaType(req.headers['content-type']);
    const kind = servingRouteKind(req.method, req.url);
    if (kind === 'public') return;
    const who: Identity | null = await auth.identify(req.headers.authorization);
    if (who === null) {
      if (kind === 'predict' && !opts.predictNeedsToken) return;
      throw missingToken();
    }
    if (kind === 'deploy' && !roleAtLeast(who.role, 'deployer'))
      throw new SlipwayError(
        'PERMISSION_DENIED',
        `rollout actions move traffic and aliases and need the deployer role; ${who.name} is ${who.role}`,
      );
    if (kind === 'feedback' && !roleAtLeast(who.role, 'developer'))
      throw new SlipwayError('PERMISSION_DENIED', `feedback writes ground truth and needs the developer role; ${who.name} is ${who.role}`);
  });
}
