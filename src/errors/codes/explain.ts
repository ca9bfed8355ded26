import { badInput } from '../spec.js';

/** Explanations (slipway explain, POST /v1/models/{m}:explain). */
export const explainErrors = {
  EXPLAIN_INVALID: badInput,
  EXPLAIN_UNSUPPORTED: badInput,
} as const;
