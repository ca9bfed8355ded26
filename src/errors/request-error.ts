import { SlipwayError, isSlipwayError } from './slipway-error.js';

/** The fields of an HTTP framework's error (Fastify's FastifyError) that say what went wrong with a request. */
interface FrameworkError {
  readonly code?: string;
  readonly statusCode?: number;
  readonly message?: string;
}

/**
 * Maps anything thrown while handling an HTTP request to a SlipwayError, for the control-plane server and the model
 * server alike: Fastify's body errors (413, bad or empty JSON, 415) to their codes, other 4xx to BAD_REQUEST, and
 * anything else to INTERNAL with a message that leaks nothing (the cause stays on the error for the log).
 */
export function toRequestError(err: unknown): SlipwayError {
  if (isSlipwayError(err)) return err;
  const e = (err ?? {}) as FrameworkError;
  const code = e.code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413)
    return new SlipwayError(
      'BODY_TOO_LARGE',
      'the request body is larger than the server accepts; send smaller batches (or raise --body-limit)',
    );
  if (
    code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    (err instanceof SyntaxError && e.statusCode === 400)
  )
    return new SlipwayError('MALFORMED_JSON', `the request body is not valid JSON (${e.message ?? 'parse error'}); send a JSON object`);
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.statusCode === 415)
    return new SlipwayError('UNSUPPORTED_MEDIA_TYPE', 'unsupported content type; send JSON with content-type: application/json');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
    return new SlipwayError('BAD_REQUEST', `bad request: ${e.message ?? 'rejected'}`);
  return new SlipwayError('INTERNAL', 'internal server error; the server log has the details', undefined, { cause: err });
}
