import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SlipwayError } from '../errors/index.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Requires `Authorization: Bearer <token>` on every route but the health check (compared in constant time). */
export function installBearerAuth(app: FastifyInstance, token: string): void {
  const want = digest(token);
  app.addHook('onRequest', async (req) => {
    if (req.url === '/api/health' || req.url.startsWith('/api/health?')) return;
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(h);
    if (!m || !timingSafeEqual(digest(m[1]!.trim()), want))
      throw new SlipwayError('UNAUTHORIZED', 'missing or wrong bearer token; send "Authorization: Bearer <token>" (SLIPWAY_TOKEN)');
  });
}
