export type { GateReport, GateResult, GateTimings } from './types.js';
export { runGates, gateSetFor, type RunGatesOptions } from './run-gates.js';
export { saveGateReport, getGateReport, latestGateReport } from './gate-report-repository.js';
export { gateReportMarkdown } from './report-markdown.js';
export { loadEvalData, inputRowShape, type EvalData } from './eval-data.js';
export { detectTask, evaluate, baselineMetrics, metricsOf, type Task, type Evaluation } from './metrics.js';
export { promotionGateCheck } from './promotion-check.js';
export { promoteWithGates, type PromoteWithGatesOptions, type PromoteWithGatesResult } from './promote-with-gates.js';
