import { badInput, notFound } from '../spec.js';

/** Sweeps (hyperparameter search). */
export const tuningErrors = {
  SWEEP_NOT_FOUND: notFound,
  SWEEP_METRIC_MISSING: badInput,
} as const;
