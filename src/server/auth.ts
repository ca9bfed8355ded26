import type { FastifyInstance } from 'fastify';
import { missingToken, type Authenticator, type Identity } from '../access/index.js';
import { STATIC_UI_ROUTE } from './static-ui.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request: from the bearer token, or `anonymous` when auth is off. */
    identity: Identity;
  }
}

/** Resolves every request's identity before routing; without a token when auth is on, only /api/health and the dashboard's files answer. */
export function installAuth(app: FastifyInstance, auth: Authenticator): void {
  app.decorateRequest('identity', null as unknown as Identity);
  app.addHook('onRequest', async (req) => {
    const who = await auth.identify(req.headers.authorization);
    if (who === null) {
      if (req.url === '/api/health' || req.url.startsWith('/api/health?')) return;
      // The dashboard's files (the catch-all route of static-ui.ts) hold no data: the app reads /api with the user's token.
      if (req.method === 'GET' && req.routeOptions.url === STATIC_UI_ROUTE) return;
      throw missingToken();
    }
    req.identity = who;
  });
}
