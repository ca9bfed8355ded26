import { badInput, notFound, conflict, verdict, precondition } from '../spec.js';

/** Models, versions, aliases, gates. */
export const registryErrors = {
  MODEL_NOT_FOUND: notFound,
  MODEL_VERSION_NOT_FOUND: notFound,
  MODEL_REF_INVALID: badInput,
  MODEL_FORMAT_INVALID: badInput,
  MODEL_SOURCE_INVALID: badInput,
  ALIAS_NOT_FOUND: notFound,
  ALIAS_RESERVED: badInput,
  ALIAS_CONFLICT: conflict,
  ALIAS_NO_PREVIOUS: precondition,
  SIGNATURE_MISMATCH: badInput,
  GATE_INVALID: badInput,
  GATE_REPORT_NOT_FOUND: notFound,
  GATE_METRIC_UNKNOWN: badInput,
  GATES_NOT_PASSED: verdict,
  GATE_DATA_INVALID: badInput,
  FORCE_NEEDS_REASON: badInput,
} as const;
