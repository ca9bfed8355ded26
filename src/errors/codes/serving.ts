import { badInput, notFound, unavailable, internal } from '../spec.js';

/** Model server, runtimes, monitoring. */
export const servingErrors = {
  SERVABLE_NOT_FOUND: notFound,
  SERVABLE_NOT_READY: unavailable,
  MODEL_LOAD_FAILED: internal,
  INPUT_INVALID: badInput,
  INPUT_MISSING: badInput,
  REQUEST_TOO_COMPLEX: badInput,
  RUNTIME_UNSUPPORTED: badInput,
} as const;
