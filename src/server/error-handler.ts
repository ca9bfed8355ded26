import { homedir, tmpdir } from 'node:os';
import type { FastifyError, FastifyInstance } from 'fastify';
import { SlipwayError, isSlipwayError } from '../errors/index.js';

/** Maps anything thrown in a request to a SlipwayError: Fastify's body errors to their codes, unknown errors to INTERNAL. */
export function toRequestError(err: unknown): SlipwayError {
  if (isSlipwayError(err)) return err;
  const e = err as Partial<FastifyError> & { validation?: unknown };
  const code = e?.code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e?.statusCode === 413)
    return new SlipwayError(
      'BODY_TOO_LARGE',
      'the request body is larger than the server accepts; send smaller batches (or raise --body-limit)',
    );
  if (
    code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    (err instanceof SyntaxError && e?.statusCode === 400)
  )
    return new SlipwayError('MALFORMED_JSON', `the request body is not valid JSON (${e?.message ?? 'parse error'}); send a JSON object`);
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e?.statusCode === 415)
    return new SlipwayError('UNSUPPORTED_MEDIA_TYPE', 'unsupported content type; send JSON with content-type: application/json');
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
    return new SlipwayError('BAD_REQUEST', `bad request: ${e.message ?? 'rejected'}`);
  return new SlipwayError('INTERNAL', 'internal server error; the server log has the details', undefined, { cause: err });
}

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
