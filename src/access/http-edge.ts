/**
 * Request hygiene shared by both HTTP servers (control plane and model server): the errors Fastify and Node answer
 * before any route runs (header overflow, bad URL, too-long parameter, invalid method, timeouts) in the catalogue's
 * `{ error: { code, message } }` shape, a URL length limit (414), and CORS that is off unless origins are configured.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { SlipwayError } from '../errors/index.js';

/** Longest request target (path + query) accepted; longer ones get 414. */
export const MAX_URL_LENGTH = 8192;

/** The wire body of an error. */
export function errorBody(e: SlipwayError): string {
  return JSON.stringify({ error: { code: e.code, message: e.message } });
}

/** The SlipwayError for a Node HTTP parser error (`clientError`). */
export function clientErrorOf(err: NodeJS.ErrnoException): SlipwayError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new SlipwayError(
        'HEADERS_TOO_LARGE',
        'the request line and headers are larger than the server accepts (16 KiB); send fewer or shorter headers',
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return new SlipwayError('REQUEST_TIMEOUT', 'the request did not arrive in time; send it again');
    case 'HPE_INVALID_METHOD':
      return new SlipwayError('METHOD_NOT_ALLOWED', 'the HTTP method is not one this server knows; use GET, POST, PUT or DELETE');
    default:
      return new SlipwayError('BAD_REQUEST', 'the request is not valid HTTP/1.1');
  }
}

/**
 * A Fastify `clientErrorHandler` that answers parser errors with `bodyOf(error)` (the server's error shape: the
 * control plane's `{ error: { code, message } }`, the model server's TF Serving `{ error }`), an
 * `x-slipway-error-code` header, and closes the connection.
 */
export function makeClientErrorHandler(
  bodyOf: (e: SlipwayError) => string = errorBody,
): (err: NodeJS.ErrnoException, socket: Socket) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    if (!socket.writable) {
      socket.destroy(err);
      return;
    }
    const e = clientErrorOf(err);
    const body = bodyOf(e);
    socket.end(
      `HTTP/1.1 ${e.httpStatus} ${STATUS_CODES[e.httpStatus] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nx-slipway-error-code: ${e.code}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };
}

/** The control plane's client error handler (catalogue shape). */
export const clientErrorHandler = makeClientErrorHandler();

/** The SlipwayError for a Fastify router error (`frameworkErrors`): bad percent-encoding, a too-long path parameter. */
export function frameworkErrorOf(err: { code?: string }): SlipwayError {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return new SlipwayError('URI_TOO_LONG', 'a path segment is longer than the server accepts (100 characters); use a shorter name');
  if (err.code === 'FST_ERR_BAD_URL')
    return new SlipwayError('BAD_REQUEST', 'the URL is not valid (bad percent-encoding); encode it with encodeURIComponent');
  return new SlipwayError('BAD_REQUEST', 'the request was rejected before routing');
}

/** URI_TOO_LONG for a request target over MAX_URL_LENGTH. */
export function checkUrlLength(url: string): void {
  if (url.length > MAX_URL_LENGTH)
    throw new SlipwayError(
      'URI_TOO_LONG',
      `the URL is ${url.length} characters; the server accepts up to ${MAX_URL_LENGTH}. Send large inputs in the body`,
    );
}

/** True for a JSON media type (`application/json`, with parameters, or `application/*+json`). */
export function isJsonContentType(ct: string | undefined): boolean {
  const t = (ct ?? '').split(';')[0]!.trim().toLowerCase();
  return t === 'application/json' || (t.startsWith('application/') && t.endsWith('+json'));
}

/** UNSUPPORTED_MEDIA_TYPE for a body sent as anything but JSON (a browser can send text/plain cross-site without a preflight). */
export function unsupportedMediaType(ct: string | undefined): SlipwayError {
  return new SlipwayError(
    'UNSUPPORTED_MEDIA_TYPE',
    `this route takes JSON only; send the body with "content-type: application/json" (got ${JSON.stringify((ct ?? 'none').slice(0, 80))})`,
  );
}

/** CORS headers for an allowed origin (none when `origins` is empty: browsers then refuse cross-site reads and preflights). */
export function corsHeaders(origin: string | undefined, origins: readonly string[]): Record<string, string> {
  if (!origin || origins.length === 0 || !(origins.includes('*') || origins.includes(origin))) return {};
  return {
    'access-control-allow-origin': origins.includes('*') ? '*' : origin,
    'access-control-allow-methods': 'GET, POST, PUT, DELETE',
    'access-control-allow-headers': 'authorization, content-type, x-request-id',
    vary: 'origin',
  };
}
