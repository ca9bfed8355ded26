import { badInput, precondition } from '../spec.js';

/** Drift reports (slipway drift, monitor drift). */
export const monitoringErrors = {
  DRIFT_TABLE_EMPTY: badInput,
  DRIFT_TYPE_MISMATCH: badInput,
  DRIFT_METHOD_UNKNOWN: badInput,
  DRIFT_COLUMN_UNKNOWN: badInput,
  DRIFT_OPTION_INVALID: badInput,
  DRIFT_REFERENCE_MISSING: precondition,
} as const;
