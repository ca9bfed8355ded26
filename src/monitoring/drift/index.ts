export { dataDrift, type DataDriftOptions, type DataDriftReport } from './drift-engine.js';
export { driftTableFromCsv, driftTableFromColumns, type DriftTable, type DriftColumnData } from './drift-table.js';
export {
  columnDrift,
  defaultMethod,
  columnType,
  type ColumnDrift,
  type ColumnJob,
  type ColumnDistribution,
  type SkippedColumn,
} from './column-drift.js';
export {
  DRIFT_METHODS,
  driftMethod,
  normalCdf,
  wassersteinSorted,
  binnedShares,
  type DriftMethod,
  type DriftMethodSpec,
  type MethodResult,
} from './stattests.js';
export { numericSample, textSample, type DriftSample, type DriftColumnType } from './drift-sample.js';
export { ks2samp, smirnov, type Ks2Result } from './ks-2samp.js';
export { andersonKsamp, cramerVonMises, cvmLimitCdf } from './rank-tests.js';
export { driftHtml } from './drift-html.js';
export { loadDriftTable, type DriftSourceOptions } from './load-drift-table.js';
export { liveDataDrift, type LiveDataDrift, type LiveDriftOptions } from './live-drift.js';
