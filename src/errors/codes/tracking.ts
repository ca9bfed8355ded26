import { badInput, notFound, conflict } from '../spec.js';

/** Runs, params, metrics, artifacts. */
export const trackingErrors = {
  RUN_NOT_FOUND: notFound,
  RUN_ENDED: conflict,
  PARAM_CONFLICT: conflict,
  METRIC_INVALID: badInput,
  FILTER_INVALID: badInput,
  ARTIFACT_NOT_FOUND: notFound,
} as const;
