import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { decodeIdx, idxHeader, isGzip, type IdxDType } from './idx.js';
import { isMissingCell, isNumericCell, parseCsv, resolveCsvHeader } from './csv.js';

/** A 10-bin histogram over [edges[0], edges[10]]. */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/** Statistics of one CSV column. */
export interface ColumnProfile {
  name: string;
  type: 'integer' | 'number' | 'string' | 'empty';
  count: number;
  missing: number;
  distinct: number;
  min?: number;
  max?: number;
  mean?: number;
  std?: number;
  histogram?: Histogram;
  /** For text columns, the most frequent values. */
  top?: { value: string; count: number }[];
}

/** Profile of a CSV file. */
export interface CsvProfile {
  kind: 'csv';
  rows: number;
  columns: ColumnProfile[];
  classNames?: string[];
}

/** Profile of an IDX file (MNIST-style). */
export interface IdxProfile {
  kind: 'idx';
  dtype: IdxDType;
  shape: number[];
  min: number;
  max: number;
  mean: number;
  /** For 1-D files (labels): label → count. */
  labelHistogram?: Record<string, number>;
}

/** Profile of one file. */
export type FileProfile = CsvProfile | IdxProfile;

/** A dataset version's profile: one entry per profiled file (CSV and IDX files). */
export interface DatasetProfile {
  files: Record<string, FileProfile>;
  /** Files not profiled because of the limits (count or size). */
  skipped: number;
}

/** Limits that keep profiling cheap for big datasets. */
export const PROFILE_LIMITS = { maxFiles: 50, maxFileBytes: 256 * 1024 * 1024 };

/** Equal-width 10-bin histogram of finite values. */
export function histogram(values: ArrayLike<number>, min: number, max: number, bins = 10): Histogram {
  const counts = new Array<number>(bins).fill(0);
  const width = (max - min) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const b = width > 0 ? Math.min(bins - 1, Math.floor((v - min) / width)) : 0;
    counts[b]!++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => (width > 0 ? min + i * width : min)), counts };
}

function numericStats(values: Float64Array): { min: number; max: number; mean: number; std: number } {
  let min = Infinity;
  let max = -Infinity;
  let mean = 0;
  let m2 = 0;
  // Welford's update: one pass, numerically stable.
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    const d = v - mean;
    mean += d / (i + 1);
    m2 += d * (v - mean);
  }
  return { min, max, mean, std: values.length > 1 ? Math.sqrt(m2 / (values.length - 1)) : 0 };
}

/** Profiles one column of text cells. */
export function profileColumn(name: string, cells: readonly string[]): ColumnProfile {
  const present = cells.filter((c) => !isMissingCell(c));
  const distinct = new Set(present.map((c) => c.trim())).size;
  const base = { name, count: cells.length, missing: cells.length - present.length, distinct };
  if (present.length === 0) return { ...base, type: 'empty' };
  if (present.every(isNumericCell)) {
    const values = Float64Array.from(present, Number);
    const s = numericStats(values);
    const type = values.every(Number.isInteger) ? 'integer' : 'number';
    return { ...base, type, ...s, histogram: histogram(values, s.min, s.max) };
  }
  const freq = new Map<string, number>();
  for (const c of present) freq.set(c.trim(), (freq.get(c.trim()) ?? 0) + 1);
  const top = [...freq].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
  return { ...base, type: 'string', top: top.map(([value, count]) => ({ value, count })) };
}

/** Profiles CSV text: each column's type, min/max/mean/std, missing and distinct counts, histogram. */
export function profileCsvText(text: string, source = 'CSV'): CsvProfile {
  const t = resolveCsvHeader(parseCsv(text), source);
  const columns = t.columns.map((name, j) =>
    profileColumn(
      name,
      t.rows.map((r) => r[j] ?? ''),
    ),
  );
  const p: CsvProfile = { kind: 'csv', rows: t.rows.length, columns };
  if (t.classNames) p.classNames = t.classNames;
  return p;
}

/** Profiles IDX bytes (already gunzipped): shape, dtype, value range, and the label histogram of 1-D files. */
export function profileIdxBytes(buf: Uint8Array, source = 'IDX'): IdxProfile {
  const a = decodeIdx(buf, source);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const v = Number(a.data[i]);
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const p: IdxProfile = { kind: 'idx', dtype: a.dtype, shape: a.shape, min, max, mean: a.data.length ? sum / a.data.length : 0 };
  if (a.shape.length === 1) {
    const h: Record<string, number> = {};
    for (let i = 0; i < a.data.length; i++) {
      const k = String(a.data[i]);
      h[k] = (h[k] ?? 0) + 1;
    }
    p.labelHistogram = h;
  }
  return p;
}

/** Profiles a file when it is CSV or IDX (raw or .gz); null for other files. */
export async function profileFile(path: string, name: string = path): Promise<FileProfile | null> {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return profileCsvText(await readFile(path, 'utf8'), name);
  if (lower.endsWith('.gz') || lower.includes('idx') || lower.endsWith('ubyte')) {
    let buf: Uint8Array = await readFile(path);
    if (isGzip(buf)) {
      try {
        buf = gunzipSync(buf);
      } catch {
        return null;
      }
    }
    if (!idxHeader(buf)) return null;
    return profileIdxBytes(buf, name);
  }
  return null;
}

/** Profiles the CSV and IDX files of a dataset (path → absolute file), within PROFILE_LIMITS. */
export async function profileFiles(files: readonly { path: string; full: string; size: number }[]): Promise<DatasetProfile> {
  const out: DatasetProfile = { files: {}, skipped: 0 };
  let done = 0;
  for (const f of files) {
    const lower = f.path.toLowerCase();
    const candidate = lower.endsWith('.csv') || lower.endsWith('.gz') || lower.includes('idx') || lower.endsWith('ubyte');
    if (!candidate) continue;
    if (done >= PROFILE_LIMITS.maxFiles || f.size > PROFILE_LIMITS.maxFileBytes) {
      out.skipped++;
      continue;
    }
    try {
      const p = await profileFile(f.full, f.path);
      if (p) {
        out.files[f.path] = p;
        done++;
      }
    } catch {
      // A malformed data file is still versioned; it just gets no profile.
      out.skipped++;
    }
  }
  return out;
}
