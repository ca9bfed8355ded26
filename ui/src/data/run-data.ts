import { api, qs } from './api.js';
import type { MetricPoint, RunRecord } from './types.js';

/** Fetches one run. */
export async function fetchRun(id: string): Promise<RunRecord> {
  return (await api<{ run: RunRecord }>(`/api/runs/${encodeURIComponent(id)}`)).run;
}

/** A metric's history, downsampled on the server (LTTB) to at most `maxPoints`. */
export interface History {
  readonly points: MetricPoint[];
  readonly total: number;
  readonly downsampled: boolean;
}

/** Fetches a metric history for a chart (x by step or time). */
export function fetchHistory(runId: string, key: string, opts: { maxPoints?: number; x?: 'step' | 'time' } = {}): Promise<History> {
  return api<History>(
    `/api/runs/${encodeURIComponent(runId)}/metrics/${encodeURIComponent(key)}/history${qs({ max_points: opts.maxPoints ?? 2000, x: opts.x ?? 'step' })}`,
  );
}

/**
 * Exponential moving average with TensorBoard's debiasing: weight 0 returns the values, 0.99 a very smooth line.
 * Non-finite values pass through and do not poison the average.
 */
export function smooth(values: readonly number[], weight: number): number[] {
  if (weight <= 0) return values.slice();
  const w = Math.min(weight, 0.999);
  const out: number[] = [];
  let last = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) {
      out.push(v);
      continue;
    }
    last = last * w + (1 - w) * v;
    n++;
    out.push(last / (1 - Math.pow(w, n)));
  }
  return out;
}

/** Columns for a chart: x (step, or time in seconds) and y, with y ≤ 0 dropped (null) on a log scale. */
export function chartColumns(
  points: readonly MetricPoint[],
  opts: { x: 'step' | 'time'; smoothing: number; log: boolean },
): [number[], (number | null)[]] {
  const xs = points.map((p) => (opts.x === 'time' ? p.ts / 1000 : p.step));
  const ys = smooth(
    points.map((p) => p.value),
    opts.smoothing,
  );
  return [xs, ys.map((y) => (opts.log && !(y > 0) ? null : y))];
}

/** How an artifact is previewed, from its name. */
export type PreviewKind = 'image' | 'svg' | 'csv' | 'json' | 'text' | 'none';

/** Picks the preview for an artifact path. */
export function previewKind(path: string): PreviewKind {
  const ext = (/\.([A-Za-z0-9]+)$/.exec(path)?.[1] ?? '').toLowerCase();
  if (['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp'].includes(ext)) return 'image';
  if (ext === 'svg') return 'svg';
  if (ext === 'csv' || ext === 'tsv') return 'csv';
  if (ext === 'json') return 'json';
  if (['txt', 'log', 'md', 'yaml', 'yml', 'py', 'ts', 'js', 'toml', 'ini', 'cfg'].includes(ext)) return 'text';
  return 'none';
}

/** Splits CSV text into rows of cells (quotes honoured), up to `maxRows`. */
export function parseCsvPreview(text: string, maxRows = 50, sep = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length && rows.length < maxRows; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if ((cell !== '' || row.length > 0) && rows.length < maxRows) rows.push([...row, cell]);
  return rows;
}

/** The URL of an artifact's bytes. */
export function artifactUrl(runId: string, path: string): string {
  return `/api/runs/${encodeURIComponent(runId)}/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`;
}
