import { histogramSorted, linspace } from './binning.js';
import {
  distinctIn,
  distinctValues,
  fromSorted,
  numericSample,
  textSample,
  type DriftColumnType,
  type DriftSample,
} from './drift-sample.js';
import type { DriftColumnData } from './drift-table.js';
import { sortedFinite32 } from './radix-sort.js';
import { DRIFT_METHODS, type DriftMethod, type DriftMethodSpec } from './stattests.js';

/** What to do with one column (decided on the main thread, run anywhere). */
export interface ColumnJob {
  readonly name: string;
  readonly role: 'feature' | 'target';
  /** Compare as categories whatever the values (`--categorical`). */
  readonly categorical: boolean;
  /** A method for this column (per-column choice; must accept the column's type). */
  readonly method?: DriftMethod | undefined;
  /** A method for every column whose type it accepts; other columns keep the default. */
  readonly allMethod?: DriftMethod | undefined;
  readonly threshold?: number | undefined;
}

/** Reference vs current shares drawn in the HTML report. */
export type ColumnDistribution =
  | { readonly kind: 'histogram'; readonly edges: number[]; readonly reference: number[]; readonly current: number[] }
  | { readonly kind: 'bars'; readonly labels: string[]; readonly reference: number[]; readonly current: number[] };

/** The drift verdict on one column, in Evidently's terms. */
export interface ColumnDrift {
  readonly name: string;
  readonly role: 'feature' | 'target';
  readonly type: DriftColumnType;
  readonly method: DriftMethod;
  readonly methodName: string;
  readonly statistic: number;
  /** For tests (ks, chisquare, z, anderson, cramer_von_mises); null for distances. */
  readonly pValue: number | null;
  /** For distances (wasserstein, jensenshannon, psi, kl_div, hellinger); null for tests. */
  readonly distance: number | null;
  readonly threshold: number;
  readonly drift: boolean;
  readonly reference: { readonly rows: number; readonly missing: number };
  readonly current: { readonly rows: number; readonly missing: number };
  readonly note?: string;
  readonly distribution: ColumnDistribution;
}

/** A column left out of the verdict, and why. */
export interface SkippedColumn {
  readonly name: string;
  readonly reason: string;
}

// Two sorted-column buffers per thread (reference, current), reused column after column: a fresh pair per column
// left 8 MB of garbage per million-row column, and the workers' heaps grew by tens of MB before V8 collected it.
const sortSlots: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];

/**
 * Cleans one side of a column into a sample (NaN/±inf and empty cells dropped, as Evidently drops them). Float32
 * columns are sorted into this thread's reusable buffer `slot`: the sample is valid until the next call with it.
 */
export function sampleOf(d: DriftColumnData, asText: boolean, slot: 0 | 1): DriftSample {
  if (d.kind === 'text') return textSample(d.values);
  if (asText) return textSample(Array.from(d.values, (v) => (Number.isFinite(v) ? String(v) : null)));
  if (d.values instanceof Float32Array) {
    if (sortSlots[slot].length < d.values.length) sortSlots[slot] = new Float32Array(d.values.length);
    const sorted = sortedFinite32(d.values, sortSlots[slot]);
    let integer = sorted.length === d.values.length;
    for (let i = 0; integer && i < sorted.length; i++) integer = Number.isInteger(sorted[i]!);
    return fromSorted(sorted, integer);
  }
  return numericSample(d.values);
}

/**
 * Evidently's column type: text is categorical; integers with at most 5 distinct reference values are categorical;
 * other numbers numerical. A target is numerical only when numeric with more than 5 distinct values.
 */
export function columnType(ref: DriftSample, cur: DriftSample, job: ColumnJob): DriftColumnType {
  if (job.categorical || !ref.sorted || !cur.sorted) return 'categorical';
  const nunique = distinctIn(ref, 6) || distinctIn(cur, 6);
  if (job.role === 'target') return nunique > 5 ? 'numerical' : 'categorical';
  if (ref.integer && nunique <= 5) return 'categorical';
  return 'numerical';
}

/** Evidently's `_get_default_stattest`: by type, reference rows (≤ 1000) and distinct values over both tables. */
export function defaultMethod(ref: DriftSample, cur: DriftSample, type: DriftColumnType): DriftMethod {
  const nValues = distinctValues(ref, cur, 6);
  if (ref.n <= 1000) {
    if (type === 'numerical' && nValues > 5) return 'ks';
    return nValues > 2 ? 'chisquare' : 'z';
  }
  if (type === 'numerical' && nValues > 5) return 'wasserstein';
  return 'jensenshannon';
}

function distribution(ref: DriftSample, cur: DriftSample, type: DriftColumnType): ColumnDistribution {
  if (type === 'numerical' && ref.sorted && cur.sorted) {
    const min = Math.min(ref.sorted[0]!, cur.sorted[0]!);
    const max = Math.max(ref.sorted[ref.n - 1]!, cur.sorted[cur.n - 1]!);
    const edges = min === max ? linspace(min - 0.5, max + 0.5, 21) : linspace(min, max, 21);
    const share = (s: Float64Array | Float32Array): number[] => Array.from(histogramSorted(s, edges), (c) => c / s.length);
    return { kind: 'histogram', edges: Array.from(edges), reference: share(ref.sorted), current: share(cur.sorted) };
  }
  const keys = [...new Set([...ref.counts().keys(), ...cur.counts().keys()])];
  const total = (k: number | string): number => (ref.counts().get(k) ?? 0) / ref.n + (cur.counts().get(k) ?? 0) / cur.n;
  keys.sort((a, b) => total(b) - total(a));
  const top = keys.slice(0, 20);
  const labels = top.map(String);
  const reference = top.map((k) => (ref.counts().get(k) ?? 0) / ref.n);
  const current = top.map((k) => (cur.counts().get(k) ?? 0) / cur.n);
  if (keys.length > 20) {
    labels.push(`(${keys.length - 20} others)`);
    reference.push(1 - reference.reduce((a, v) => a + v, 0));
    current.push(1 - current.reduce((a, v) => a + v, 0));
  }
  return { kind: 'bars', labels, reference, current };
}

/** Runs one column's drift test: clean both sides, type it, choose the method, judge; or says why it cannot. */
export function columnDrift(refData: DriftColumnData, curData: DriftColumnData, job: ColumnJob): ColumnDrift | SkippedColumn {
  const asText = job.categorical || refData.kind !== curData.kind;
  // The samples do not outlive this call (the result holds numbers and copies), so they may use the shared slots.
  const ref = sampleOf(refData, asText, 0);
  const cur = sampleOf(curData, asText, 1);
  if (ref.n === 0) return { name: job.name, reason: 'no values in the reference table (all missing)' };
  if (cur.n === 0) return { name: job.name, reason: 'no values in the current table (all missing)' };
  const type = columnType(ref, cur, job);
  let spec: DriftMethodSpec = DRIFT_METHODS[job.method ?? defaultMethod(ref, cur, type)];
  if (job.method === undefined && job.allMethod !== undefined && DRIFT_METHODS[job.allMethod].types.includes(type))
    spec = DRIFT_METHODS[job.allMethod];
  // Evidently refuses a method chosen for a column of a type it does not accept (StatTestInvalidFeatureTypeError).
  if (job.method !== undefined && !spec.types.includes(type))
    return { name: job.name, reason: `${spec.name} does not apply to a ${type} column (it takes ${spec.types.join(', ')})` };
  const threshold = job.threshold ?? spec.threshold;
  const r = spec.run(ref, cur, type);
  const missing = (d: DriftColumnData, s: DriftSample): number => d.values.length - s.n;
  return {
    name: job.name,
    role: job.role,
    type,
    method: spec.name,
    methodName: spec.displayName,
    statistic: r.statistic,
    pValue: r.pValue,
    distance: spec.kind === 'distance' ? r.score : null,
    threshold,
    drift: r.note === undefined && spec.drifts(r.score, threshold),
    reference: { rows: ref.n, missing: missing(refData, ref) },
    current: { rows: cur.n, missing: missing(curData, cur) },
    ...(r.note !== undefined ? { note: r.note } : {}),
    distribution: distribution(ref, cur, type),
  };
}
