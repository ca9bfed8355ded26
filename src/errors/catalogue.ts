import type { ErrorSpec } from './spec.js';
import { coreErrors } from './codes/core.js';
import { storeErrors } from './codes/store.js';
import { dataErrors } from './codes/data.js';
import { trackingErrors } from './codes/tracking.js';
import { engineErrors } from './codes/engine.js';
import { pipelineErrors } from './codes/pipeline.js';
import { registryErrors } from './codes/registry.js';
import { servingErrors } from './codes/serving.js';
import { monitoringErrors } from './codes/monitoring.js';
import { explainErrors } from './codes/explain.js';
import { deployErrors } from './codes/deploy.js';
import { accessErrors } from './codes/access.js';
import { rolloutErrors } from './codes/rollout.js';
import { tuningErrors } from './codes/tuning.js';

/** Every error code Slipway raises, with its HTTP, gRPC and exit-code mapping (one place, as in fastify). */
export const catalogue = {
  ...coreErrors,
  ...storeErrors,
  ...dataErrors,
  ...trackingErrors,
  ...engineErrors,
  ...pipelineErrors,
  ...registryErrors,
  ...servingErrors,
  ...monitoringErrors,
  ...explainErrors,
  ...deployErrors,
  ...accessErrors,
  ...rolloutErrors,
  ...tuningErrors,
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof catalogue;

/** The spec of a code, falling back to INTERNAL for unknown strings coming over the wire. */
export function specOf(code: string): ErrorSpec {
  return (catalogue as Record<string, ErrorSpec>)[code] ?? catalogue.INTERNAL;
}
