import { badInput, conflict, notFound, unavailable, verdict } from '../spec.js';

/** Pipelines, stages, run cache, experiments, triggers. */
export const pipelineErrors = {
  PIPELINE_INVALID: badInput,
  PIPELINE_CYCLE: badInput,
  STAGE_NOT_FOUND: badInput,
  STAGE_FAILED: verdict,
  OUTPUT_CONFLICT: badInput,
  OUTPUT_MISSING: verdict,
  OUTPUT_UNDECLARED: verdict,
  DEPENDENCY_MISSING: badInput,
  PARAM_NOT_FOUND: badInput,
  REPRO_LOCKED: conflict,
  INTERRUPTED: conflict,
  EXECUTOR_UNAVAILABLE: unavailable,
  JOB_FAILED: verdict,
  JOB_DEADLINE_EXCEEDED: verdict,
  REVISION_NOT_FOUND: notFound,
} as const;
