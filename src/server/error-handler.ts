import { homedir, tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { toRequestError } from '../errors/index.js';

export { toRequestError } from '../errors/index.js';

/** A message with server-side folders (the workspace, the temp dir, home) replaced, and long listings cut. */
export function scrubMessage(message: string, roots: readonly string[]): string {
  let m = message;
  for (const r of [...roots, tmpdir(), homedir()].filter((x) => x.length > 1).sort((x, y) => y.length - x.length))
    m = m.split(r).join('<server>');
  return m.length > 1000 ? `${m.slice(0, 1000)}…` : m;
}

/**
 * Installs the error and not-found handlers: every failure answers `{ error: { code, message } }` with the catalogue's
 * status; messages never carry the server's absolute paths (`roots` and the temp/home folders are replaced).
 */
export function installErrorHandling(app: FastifyInstance, roots: readonly string[] = []): void {
  app.setErrorHandler((err, req, reply) => {
    const se = toRequestError(err);
    if (se.code === 'INTERNAL') req.log.error({ err }, 'unexpected error');
    else req.log.info({ code: se.code }, se.message);
    // Details may carry SQL or paths for INTERNAL/DB errors; only the code and message go out.
    void reply.status(se.httpStatus).send({ error: { code: se.code, message: scrubMessage(se.message, roots) } });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({
      error: {
        code: 'ROUTE_NOT_FOUND',
        message: `no route ${req.method} ${req.url.split('?')[0]}; see GET /api/health and the API docs`,
      },
    });
  });
}
