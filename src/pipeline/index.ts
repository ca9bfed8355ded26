/** Pipelines: slipway.yaml stages, the DAG, stage cache keys, the run cache, repro, status, experiments, triggers. */
export { loadPipeline, buildPipeline, pipelineConfigSchema, type Pipeline, type PipelineConfig } from './load-pipeline.js';
export { expandStages, isInside, type Stage, type OutSpec, type PlotSpec, type ParamsSpec } from './stage-model.js';
export { interpolate } from './templating.js';
export { readParamsFile, getDotted, setDotted, flattenParams, DEFAULT_PARAMS_FILE } from './params-file.js';
export { readLock, writeLock, LOCK_FILE, type LockFile, type LockStage, type LockDep, type LockOut } from './lock-file.js';
export { openPathHasher, type PathHasher, type PathHash, type PathTree } from './path-hasher.js';
export { fingerprint, cacheKey, staleReasons, describeReason, type StageFingerprint, type StaleReason } from './stage-state.js';
export { pipelineEnv, type PipelineEnv, type KubernetesAccess } from './pipeline-env.js';
export { isDatasetDep, parseDatasetDep, resolveDatasetDep, datasetEnvName, DATASET_DEP_PREFIX, type DatasetDep } from './dataset-deps.js';
export { repro, selectStages, type ReproOptions, type ReproResult, type StageResult } from './repro.js';
export { acquireReproLock, type ReproLock, type ReproLockInfo } from './repro-lock.js';
export { lookupRunCache, saveRunCache, type RunCacheEntry } from './run-cache.js';
export { pipelineStatus, type StageStatus } from './pipeline-status.js';
export { dagText, dagDot, dagMermaid } from './render-dag.js';
export {
  renderJobManifest,
  writeJobManifest,
  jobName,
  type KubernetesObject,
  type JobRenderOptions,
  type KubernetesExecutor,
} from './kubernetes-job.js';
export { runPodStage, type PodStageOptions, type PodStageOutcome } from './pod-stage.js';
export { POD_ENV, POD_CONTAINER, POD_EXIT_CONTRACT, readContract, type PodContract, type PodStep, type PodResult } from './pod-contract.js';
export { readMetricsFile } from './stage-outputs.js';
export {
  runExperiment,
  queueExperiment,
  runQueuedExperiments,
  listExperiments,
  parseOverride,
  type ExperimentRecord,
  type ParamOverride,
  type ExpRunOptions,
} from './experiments.js';
export { usedParams, pipelineMetrics } from './experiment-values.js';
export { isGitRevision, readAtRevision, ciBaseBranch } from './git-revision.js';
export {
  currentMetrics,
  currentParams,
  resolveBase,
  diffValues,
  diffMarkdown,
  type MetricsByFile,
  type DiffRow,
  type ResolvedBase,
} from './metrics-diff.js';
export { readPlotFile, lineChartSvg, plotsHtml, writePlots, type Chart, type Series } from './plots-svg.js';
export { runHistoryCharts } from './run-history-charts.js';
export { runCi, type CiResult, type CiOptions } from './ci-run.js';
export { stageOutputSource, type StageOutputSource } from './stage-source.js';
export { writeCiWorkflow } from './ci-workflows.js';
export { installPostCommitHook, uninstallPostCommitHook, gitHooksDir } from './git-hooks.js';
export {
  startScheduler,
  scheduleTick,
  dueTriggers,
  checkSchedules,
  type ScheduleEntry,
  type Trigger,
  type SchedulerOptions,
} from './scheduler.js';
export { pipelineRoots } from './pipeline-roots.js';
