export { readIdx, readIdxSync, decodeIdx, encodeIdx, idxHeader, isGzip, type IdxArray, type IdxDType, type IdxTypedArray } from './idx.js';
export {
  readCsvTable,
  readCsvTableSync,
  readCsvText,
  parseCsv,
  resolveCsvHeader,
  csvTextToTable,
  isMissingCell,
  isNumericCell,
  type CsvTable,
  type CsvText,
  type ReadCsvOptions,
} from './csv.js';
export { parseDatasetRef, formatDatasetRef, assertDatasetName, type DatasetRef } from './dataset-ref.js';
export {
  findDatasetVersion,
  listDatasetVersions,
  listLatestDatasetVersions,
  insertDatasetVersion,
  deleteDatasetVersions,
  type DatasetVersion,
} from './dataset-repository.js';
export { addDataset, getDatasetVersion, checkoutDataset, type AddDatasetOptions, type AddDatasetResult } from './dataset-versions.js';
export {
  diffDatasetVersions,
  diffFileProfiles,
  type DatasetDiff,
  type FileProfileDelta,
  type ColumnDelta,
  type StatDelta,
} from './dataset-diff.js';
export {
  profileFile,
  profileFiles,
  profileCsvText,
  profileIdxBytes,
  profileColumn,
  histogram,
  type DatasetProfile,
  type FileProfile,
  type CsvProfile,
  type IdxProfile,
  type ColumnProfile,
  type Histogram,
} from './profile.js';
export { datasetRoots } from './dataset-roots.js';
export { datasetVersionsWithTrees, latestDatasetVersionNumber, type DatasetTreeRef } from './dataset-lookup.js';
export { loadDataFolder, parseRange, type DataFolder, type LoadDataFolderOptions, type RowRange } from './data-folder.js';
export { openDataSource, type DataSource, type OpenDataSourceOptions } from './data-source.js';
