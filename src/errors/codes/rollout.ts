import { badInput, conflict, notFound, precondition } from '../spec.js';

/** Deployments and rollouts (canary steps, analysis, promotion, rollback) and the server's swap checks. */
export const rolloutErrors = {
  /** No `deployments.NAME` in slipway.yaml. */
  DEPLOYMENT_NOT_FOUND: notFound,
  /** The deployment section cannot be used as written (no canary to roll out, a canary equal to stable…). */
  DEPLOYMENT_INVALID: badInput,
  /** The rollout is not in a state that allows this action (e.g. resume when not paused, start while one runs). */
  ROLLOUT_STATE_INVALID: conflict,
  /** A new version failed its smoke prediction or has a different input signature, so the server kept the old one. */
  SWAP_REFUSED: precondition,
} as const;
