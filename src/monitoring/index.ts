export { monitoringReport, percentile, type MonitoringReport, type MonitoringOptions } from './monitoring-report.js';
export { createPredictionLog, type PredictionLog, type PredictionLogOptions, type PredictionRecord } from './prediction-log.js';
export { parseFeedbackBody, recordFeedback, type FeedbackItem } from './feedback-repository.js';
export { parseWindow } from './parse-window.js';
export { compileRedaction, workspaceRedactionSalt, type RedactionMode, type RedactionSpec } from './redaction.js';
export { purgePredictions, type PurgeResult } from './retention.js';
export { driftReport, driftSettings, type DriftReport, type DriftSettings, type DriftStatus, type FeatureDrift } from './drift-report.js';
export { featureRows, type FeatureRows } from './drift-features.js';
export {
  ksTest,
  psi,
  categoricalPsi,
  chiSquaredTest,
  chiSquaredSurvival,
  kolmogorovQ,
  regularizedGammaQ,
  type KsResult,
  type ChiSquaredResult,
} from './drift-stats.js';
export { evaluateAlerts, type AlertRule, type AlertResult } from './alert-rules.js';
export { sendAlertWebhook, type AlertWebhook } from './alert-webhook.js';
export { liveSummary, type LiveSummary } from './live-summary.js';
export { exportFeedback, type FeedbackExport } from './feedback-export.js';
export {
  dataDrift,
  driftHtml,
  liveDataDrift,
  loadDriftTable,
  driftTableFromCsv,
  driftTableFromColumns,
  DRIFT_METHODS,
  type DataDriftReport,
  type DataDriftOptions,
  type ColumnDrift,
  type DriftTable,
  type LiveDataDrift,
} from './drift/index.js';
