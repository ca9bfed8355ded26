/** Run tracking: the SDK (startRun → Run), read APIs, and the backends (local workspace, HTTP server). */
export type { ParamValue, RunStatus, DatasetInput, Run, RunRecord, MetricPoint } from './types.js';
export type { TrackingBackend, CreateRunInput, MetricRow, LogBatch, ArtifactRecord, RunQuery, HistoryPage } from './backend.js';
export { startRun, resolveBackend, paramStrings, type StartRunOptions } from './start-run.js';
export {
  getRun,
  metricHistory,
  endRun,
  createRun,
  logBatch,
  addArtifact,
  getArtifact,
  addInput,
  ensureExperiment,
  hydrateRuns,
  isFinalStatus,
} from './run-repository.js';
export { listRuns, countRuns, runKeys, listExperimentNames, parseWhere, parseOrderBy, type Condition, type Order } from './run-query.js';
export { lttb, type XY } from './lttb.js';
export { localBackend, openLocalBackend, storeArtifact } from './local-backend.js';
export { httpBackend } from './http-backend.js';
export { codeVersion, type CodeVersion } from './code-version.js';
export { environmentInfo } from './environment.js';
export { reapOrphanRuns } from './orphan-runs.js';
export { downsampleHistory, downsampleHistories, type DownsampledHistory } from './metric-downsample.js';
export { artifactRoots } from './artifact-roots.js';
