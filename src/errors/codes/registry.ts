import { badInput, notFound, conflict, verdict } from '../spec.js';

/** Models, versions, aliases, gates. */
export const registryErrors = {
  MODEL_NOT_FOUND: notFound,
  MODEL_VERSION_NOT_FOUND: notFound,
  MODEL_REF_INVALID: badInput,
  ALIAS_NOT_FOUND: notFound,
  ALIAS_RESERVED: badInput,
  ALIAS_CONFLICT: conflict,
  SIGNATURE_MISMATCH: badInput,
  GATE_FAILED: verdict,
  GATE_INVALID: badInput,
  GATE_METRIC_UNKNOWN: badInput,
  GATES_NOT_PASSED: verdict,
  FORCE_NEEDS_REASON: badInput,
} as const;
