/** An API failure as the dashboard shows it: the server's error code and message, or why no answer came. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** How requests are made: `fetch` and an optional bearer token (tests pass their own fetch). */
export interface ApiOptions {
  readonly fetch?: typeof fetch;
  readonly base?: string;
  readonly token?: string | null;
}

let defaults: ApiOptions = {};

/** Sets the fetch, base URL and token every later request uses. */
export function configureApi(opts: ApiOptions): void {
  defaults = { ...defaults, ...opts };
}

/** Whether requests carry a bearer token. */
export function hasToken(): boolean {
  return Boolean(defaults.token);
}

/** GETs (or sends) JSON from the REST API; errors become ApiError with the server's `{ error: { code, message } }`. */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
  opts: ApiOptions = defaults,
): Promise<T> {
  const f = opts.fetch ?? defaults.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const token = opts.token ?? defaults.token;
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await f(`${opts.base ?? defaults.base ?? ''}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError('UNREACHABLE', 'The Slipway server did not answer. Is `slipway ui` (or `slipway server`) still running?', 0);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError('BAD_RESPONSE', `The server answered ${res.status} with something that is not JSON.`, res.status);
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(err?.code ?? `HTTP_${res.status}`, err?.message ?? `The server answered ${res.status}.`, res.status);
  }
  return body as T;
}

/** Builds a query string from defined, non-empty values. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** GETs a text body (an artifact preview); failures become ApiError like JSON requests. */
export async function fetchText(path: string, opts: ApiOptions = defaults): Promise<string> {
  const f = opts.fetch ?? defaults.fetch ?? globalThis.fetch;
  const token = opts.token ?? defaults.token;
  let res: Response;
  try {
    res = await f(`${opts.base ?? defaults.base ?? ''}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new ApiError('UNREACHABLE', 'The Slipway server did not answer. Is `slipway ui` (or `slipway server`) still running?', 0);
  }
  const text = await res.text();
  if (!res.ok) {
    let err: { code?: string; message?: string } | undefined;
    try {
      err = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    } catch {
      // not JSON
    }
    throw new ApiError(err?.code ?? `HTTP_${res.status}`, err?.message ?? `The server answered ${res.status}.`, res.status);
  }
  return text;
}
