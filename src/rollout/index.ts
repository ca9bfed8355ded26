export {
  createRolloutController,
  ROLLOUT_ACTOR,
  type RolloutController,
  type RolloutControllerOptions,
  type TrafficControl,
} from './rollout-controller.js';
export {
  readRolloutState,
  writeRolloutState,
  rolloutStatePath,
  isActive,
  type RolloutState,
  type RolloutDecision,
  type RolloutPhase,
  type AnalysisCheck,
} from './rollout-state.js';
export { analyseStep, predictionPsi, shadowDisagreement, type StepAnalysis } from './analysis.js';
export { registerRolloutRoutes } from './rollout-routes.js';
