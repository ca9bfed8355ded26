/** The control-plane HTTP API. */
export { buildServer, type BuildServerOptions } from './app.js';
export type { ServerContext } from './server-context.js';
export { toRequestError } from './error-handler.js';
