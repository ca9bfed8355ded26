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
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new SlipwayError('BAD_REQUEST', 'unsupported content type; send JSON with content-type: application/json');
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
    return new SlipwayError('BAD_REQUEST', `bad request: ${e.message ?? 'rejected'}`);
  return new SlipwayError('INTERNAL', 'internal server error; the server log has the details', undefined, { cause: err });
}

/** Installs the error and not-found handlers: every failure answers `{ error: { code, message } }` with the catalogue's status. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const se = toRequestError(err);
    if (se.code === 'INTERNAL') req.log.error({ err }, 'unexpected error');
    else req.log.info({ code: se.code }, se.message);
    // Details may carry SQL or paths for INTERNAL/DB errors; only the code and message go out.
    void reply.status(se.httpStatus).send({ error: { code: se.code, message: se.message } });
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
