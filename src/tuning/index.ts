export { parseSpace, gridPoints, sampleUniform, toExternal, toInternal, type Dimension, type ParamValue } from './search-space.js';
export { tpeSuggest, tpeGamma, type Observation, type TpeOptions } from './tpe.js';
export { ashaShouldStop, rungOf, type AshaOptions, type Rungs } from './asha.js';
export {
  runSweep,
  readSweepState,
  bestTrial,
  sweepBudget,
  type SweepState,
  type TrialRecord,
  type TrialContext,
  type Objective,
  type RunSweepOptions,
} from './run-sweep.js';
export { expObjective, type ExpObjectiveOptions } from './exp-objective.js';
export { paramImportance } from './importance.js';
export { historySvg, parallelCoordinatesSvg } from './sweep-plots.js';
