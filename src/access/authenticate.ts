import { createHash, timingSafeEqual } from 'node:crypto';
import { SlipwayError } from '../errors/index.js';
import type { Db } from '../meta/index.js';
import { ANONYMOUS, authenticateToken, hasTokens, type Identity } from './identities.js';

/** How a server authenticates: `on` always, `off` never (loopback or --insecure only), `auto` once any token exists. */
export type AuthMode = 'on' | 'off' | 'auto';

/** What a server needs to authenticate requests. */
export interface Authenticator {
  /** Whether requests need a token right now. */
  enabled(): Promise<boolean>;
  /**
   * The identity behind an `Authorization` header: ANONYMOUS when auth is off, null when on and no token was sent
   * (the caller decides whether the route is open), TOKEN_INVALID/TOKEN_EXPIRED for a bad one.
   */
  identify(authorization: string | undefined): Promise<Identity | null>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The bearer token of an Authorization header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

/** Builds the authenticator of one server. `legacyToken` (SLIPWAY_TOKEN) is one shared admin token named `env-token`. */
export function createAuthenticator(db: Db | undefined, mode: AuthMode, legacyToken?: string): Authenticator {
  const legacy = legacyToken ? digest(legacyToken) : undefined;
  const enabled = async (): Promise<boolean> =>
    mode === 'on' || legacy !== undefined || (mode === 'auto' && db !== undefined && (await hasTokens(db)));
  return {
    enabled,
    async identify(authorization) {
      if (!(await enabled())) return ANONYMOUS;
      const token = bearerToken(authorization);
      if (token === undefined) return null;
      const isLegacy = legacy !== undefined && timingSafeEqual(digest(token), legacy);
      // A token created with `slipway auth token create` is its own identity, even when it is also SLIPWAY_TOKEN.
      if (db && token.startsWith('slw_')) {
        try {
          return await authenticateToken(db, token);
        } catch (e) {
          if (!isLegacy) throw e;
        }
      }
      if (isLegacy) return { name: 'env-token', kind: 'service', role: 'admin' };
      if (!db) throw new SlipwayError('TOKEN_INVALID', 'the bearer token is unknown; this server only knows SLIPWAY_TOKEN');
      return authenticateToken(db, token);
    },
  };
}

/** The 401 for a request without a token where one is needed. */
export function missingToken(): SlipwayError {
  return new SlipwayError(
    'UNAUTHORIZED',
    'this route needs a bearer token: send "Authorization: Bearer <token>" (`slipway auth token create`)',
  );
}

/** True for loopback addresses (where auth may stay off). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || h === '::ffff:127.0.0.1';
}

/**
 * A server that binds beyond loopback must authenticate: AUTH_REQUIRED unless a token exists (or SLIPWAY_TOKEN is
 * set) or the operator passed --insecure. Returns the auth mode to run with.
 */
export async function assertSafeBind(opts: {
  host: string;
  db?: Db | undefined;
  legacyToken?: string | undefined;
  insecure?: boolean;
}): Promise<AuthMode> {
  if (isLoopbackHost(opts.host)) return 'auto';
  if (opts.insecure) return 'off';
  if (opts.legacyToken || (opts.db && (await hasTokens(opts.db)))) return 'on';
  throw new SlipwayError(
    'AUTH_REQUIRED',
    `refusing to listen on ${opts.host} without authentication: create a token first (\`slipway auth token create --name ci --role deployer\`), or pass --insecure to serve everyone`,
    { host: opts.host },
  );
}
