import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { SlipwayError } from '../errors/index.js';

/** Where `npm run build:ui` writes the dashboard (ui/dist at the package root; the same from src/ and dist/). */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../ui/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** The catch-all route that serves the dashboard (auth lets it through without a token: it holds no data). */
export const STATIC_UI_ROUTE = '/*';

/**
 * Serves the single-page dashboard from `dir`: files as they are (hashed assets cached for a year), and index.html
 * for every other GET that is not under /api (the app routes on the client). Without a build, `/` says how to make one.
 */
export function installStaticUi(app: FastifyInstance, dir: string): void {
  const root = resolve(dir);
  const index = join(root, 'index.html');
  app.get(STATIC_UI_ROUTE, async (req, reply) => {
    let path: string;
    try {
      path = decodeURIComponent((req.url.split('?')[0] ?? '/').replace(/^\/+/, ''));
    } catch {
      throw new SlipwayError('BAD_REQUEST', `the path ${req.url} is not valid percent-encoding`);
    }
    if (path === 'api' || path.startsWith('api/'))
      throw new SlipwayError('ROUTE_NOT_FOUND', `no route GET /${path}; see GET /api/health and the API docs`);
    if (!existsSync(index))
      return reply
        .status(404)
        .type('text/plain; charset=utf-8')
        .send(`The dashboard is not built (no ${index}). Run \`npm run build:ui\` in the slipway package, then reload.\n`);
    const full = resolve(root, path);
    const rel = relative(root, full);
    const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    if (inside && existsSync(full) && statSync(full).isFile()) {
      const immutable = rel.startsWith('assets/');
      return reply
        .type(TYPES[extname(full)] ?? 'application/octet-stream')
        .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .send(createReadStream(full));
    }
    // A missing asset is a 404 (a stale tab asking for an old bundle), not the app's page.
    if (rel.startsWith('assets/')) return reply.status(404).type('text/plain').send('not found\n');
    return reply.type(TYPES['.html']!).header('cache-control', 'no-cache').send(createReadStream(index));
  });
}
