export { monitoringReport, percentile, type MonitoringReport, type MonitoringOptions } from './monitoring-report.js';
export { createPredictionLog, type PredictionLog, type PredictionLogOptions, type PredictionRecord } from './prediction-log.js';
export { parseFeedbackBody, recordFeedback, type FeedbackItem } from './feedback-repository.js';
export { parseWindow } from './parse-window.js';
