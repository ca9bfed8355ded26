/**
 * Slipway's public API. The engine's Keras-like API and the tracking SDK are exported at the top level (the two
 * things training code imports); every capability is also available as a namespace.
 */
export * from './engine/index.js';
export { exportOnnx, writeOnnx } from './engine/onnx/export-onnx.js';
export {
  accuracy,
  binaryScores,
  classificationReport,
  confusionMatrix,
  reportFromConfusion,
  type ClassificationReport,
  type ClassScores,
} from './engine/metrics/classification.js';
export type { Signature, TensorSpec, DType } from './engine/signature.js';
export type { ModelFile, LayerFile } from './engine/model-format.js';

export { startRun, getRun, listRuns, metricHistory } from './tracking/index.js';
export type { Run, RunRecord, StartRunOptions, RunStatus, ParamValue, MetricPoint, DatasetInput } from './tracking/index.js';

export { SlipwayError, isSlipwayError, type ErrorCode } from './errors/index.js';
export {
  initWorkspace,
  findWorkspace,
  loadConfig,
  loadSettings,
  type Workspace,
  type SlipwayConfig,
  type Settings,
} from './config/index.js';
export { openDb, type Db } from './meta/index.js';
export { openObjectStore, type ObjectStore } from './store/index.js';

export * as store from './store/index.js';
export * as data from './data/index.js';
export * as tracking from './tracking/index.js';
export * as pipeline from './pipeline/index.js';
export * as registry from './registry/index.js';
export * as runtime from './runtime/index.js';
export * as gates from './gates/index.js';
export * as serving from './serving/index.js';
export * as monitoring from './monitoring/index.js';
export * as explain from './explain/index.js';
export * as server from './server/index.js';
