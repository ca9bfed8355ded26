import type { Signature } from '../engine/signature.js';
import { argmaxRows, classificationReport, type ClassScores } from '../engine/metrics/classification.js';
import type { Predictions } from './predictions.js';

/** What kind of model the gates evaluate, decided from the signature and the labels before anything runs. */
export type Task =
  | { readonly kind: 'classification'; readonly numClasses: number; readonly labels: readonly string[]; readonly scalarBinary: boolean }
  | { readonly kind: 'regression' };

/** Metrics a classifier's evaluation produces (precision/recall/f1 are macro averages). */
export const CLASSIFICATION_METRICS = [
  'accuracy',
  'error_rate',
  'loss',
  'precision',
  'recall',
  'f1',
  'weighted_precision',
  'weighted_recall',
  'weighted_f1',
];
/** Metrics a regressor's evaluation produces (`loss` is the MSE). */
export const REGRESSION_METRICS = ['mse', 'rmse', 'mae', 'r2', 'loss'];
/** Metrics a per-class floor may use. */
export const CLASS_METRICS = ['precision', 'recall', 'f1'];
const LOWER_IS_BETTER = new Set(['loss', 'error_rate', 'mse', 'rmse', 'mae']);

/** True when smaller values of `metric` are better (losses, errors). */
export function lowerIsBetter(metric: string): boolean {
  return LOWER_IS_BETTER.has(metric);
}

/** The metrics `task` produces. */
export function metricsOf(task: Task): readonly string[] {
  return task.kind === 'classification' ? CLASSIFICATION_METRICS : REGRESSION_METRICS;
}

/** Classification when the output has several classes, class labels, or one output and 0/1 labels; else regression. */
export function detectTask(signature: Signature, y: Float32Array, dataClassNames: readonly string[] | null): Task {
  const out = signature.outputs[0];
  const k = out && out.shape.length > 1 ? out.shape[out.shape.length - 1]! : -1;
  const ints = y.every((v) => Number.isInteger(v) && v >= 0);
  const labelsFor = (n: number): string[] =>
    Array.from({ length: n }, (_, i) => signature.classLabels?.[i] ?? dataClassNames?.[i] ?? String(i));
  if (k > 1) return { kind: 'classification', numClasses: k, labels: labelsFor(k), scalarBinary: false };
  if ((k === 1 || k === -1) && ints && y.every((v) => v <= 1) && (signature.classLabels || dataClassNames || k === 1))
    return { kind: 'classification', numClasses: 2, labels: labelsFor(2), scalarBinary: true };
  if (k === -1 && ints && signature.classLabels) {
    const n = signature.classLabels.length;
    return { kind: 'classification', numClasses: n, labels: labelsFor(n), scalarBinary: false };
  }
  return { kind: 'regression' };
}

/** Predicted class per row (argmax, or a 0.5 / logit-0 threshold for one sigmoid output). */
export function predictedClasses(p: Predictions, task: Task): Int32Array {
  if (task.kind === 'classification' && task.scalarBinary) {
    const probs = looksLikeProbabilities(p.outputs, p.rows, 1);
    const out = new Int32Array(p.rows);
    const cut = probs ? 0.5 : 0;
    for (let i = 0; i < p.rows; i++) out[i] = p.outputs[i]! >= cut ? 1 : 0;
    return out;
  }
  return argmaxRows(p.outputs, p.rows, p.k);
}

function looksLikeProbabilities(o: Float32Array, rows: number, k: number): boolean {
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) {
      const v = o[i * k + j]!;
      if (v < 0 || v > 1 || Number.isNaN(v)) return false;
      s += v;
    }
    if (k > 1 && Math.abs(s - 1) > 1e-3) return false;
  }
  return true;
}

/** Mean cross-entropy over `idx` rows: of probabilities when outputs are probabilities, else of logits (log-softmax). */
function crossEntropy(p: Predictions, y: Float32Array, idx: Int32Array, scalarBinary: boolean): number {
  const eps = 1e-12;
  const probs = looksLikeProbabilities(p.outputs, p.rows, p.k);
  let total = 0;
  for (const i of idx) {
    const t = y[i]!;
    if (scalarBinary) {
      const raw = p.outputs[i]!;
      const q = probs ? raw : 1 / (1 + Math.exp(-raw));
      total -= t === 1 ? Math.log(Math.max(q, eps)) : Math.log(Math.max(1 - q, eps));
      continue;
    }
    const row = p.outputs.subarray(i * p.k, (i + 1) * p.k);
    if (probs) total -= Math.log(Math.max(row[t]!, eps));
    else {
      let m = -Infinity;
      for (const v of row) m = Math.max(m, v);
      let s = 0;
      for (const v of row) s += Math.exp(v - m);
      total -= row[t]! - m - Math.log(s);
    }
  }
  return idx.length === 0 ? 0 : total / idx.length;
}

/** Scores of one evaluation (overall or a slice). */
export interface Evaluation {
  readonly rows: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly perClass: readonly ClassScores[];
}

/** Computes every metric of `task` from one set of predictions, over all rows or the rows in `idx`. */
export function evaluate(task: Task, p: Predictions, y: Float32Array, classes: Int32Array | null, idx?: Int32Array): Evaluation {
  let rows = idx;
  if (!rows) {
    rows = new Int32Array(p.rows);
    for (let i = 0; i < rows.length; i++) rows[i] = i;
  }
  if (task.kind === 'regression') {
    let se = 0;
    let ae = 0;
    let mean = 0;
    for (const i of rows) mean += y[i]!;
    mean /= Math.max(1, rows.length);
    let ss = 0;
    for (const i of rows) {
      const d = p.outputs[i * p.k]! - y[i]!;
      se += d * d;
      ae += Math.abs(d);
      ss += (y[i]! - mean) ** 2;
    }
    const n = Math.max(1, rows.length);
    const mse = se / n;
    return {
      rows: rows.length,
      metrics: { mse, rmse: Math.sqrt(mse), mae: ae / n, r2: ss === 0 ? 0 : 1 - se / ss, loss: mse },
      perClass: [],
    };
  }
  const pred = classes!;
  const yt = new Int32Array(rows.length);
  const yp = new Int32Array(rows.length);
  for (let j = 0; j < rows.length; j++) {
    yt[j] = y[rows[j]!]!;
    yp[j] = pred[rows[j]!]!;
  }
  const r = classificationReport(yt, yp, task.numClasses, task.labels);
  return {
    rows: rows.length,
    metrics: {
      accuracy: r.accuracy,
      error_rate: 1 - r.accuracy,
      loss: crossEntropy(p, y, rows, task.scalarBinary),
      precision: r.macro.precision,
      recall: r.macro.recall,
      f1: r.macro.f1,
      weighted_precision: r.weighted.precision,
      weighted_recall: r.weighted.recall,
      weighted_f1: r.weighted.f1,
    },
    perClass: r.perClass,
  };
}

/** The metrics of a trivial baseline on the same rows: the majority class (with the class prior as its probabilities), or the mean. */
export function baselineMetrics(task: Task, y: Float32Array): Readonly<Record<string, number>> {
  const n = y.length;
  if (task.kind === 'regression') {
    const mean = y.reduce((a, b) => a + b, 0) / Math.max(1, n);
    return evaluate(task, { outputs: new Float32Array(n).fill(mean), rows: n, k: 1 }, y, null).metrics;
  }
  const counts = new Array<number>(task.numClasses).fill(0);
  for (const v of y) if (v >= 0 && v < task.numClasses) counts[v]!++;
  const prior = counts.map((c) => c / Math.max(1, n));
  const majority = counts.indexOf(Math.max(...counts));
  const k = task.scalarBinary ? 1 : task.numClasses;
  const outputs = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    if (task.scalarBinary) outputs[i] = prior[1]!;
    else for (let j = 0; j < k; j++) outputs[i * k + j] = prior[j]!;
  }
  return evaluate(task, { outputs, rows: n, k }, y, new Int32Array(n).fill(majority)).metrics;
}
