import { api, qs } from './api.js';
import type { MetricPoint, RunRecord } from './types.js';

/** Aligns several (x, y) series on the union of their x values, as uPlot wants: [xs, ys1, ys2, …] with nulls for gaps. */
export function alignSeries(
  series: readonly { readonly x: readonly number[]; readonly y: readonly (number | null)[] }[],
): [number[], ...(number | null)[][]] {
  const xs = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const cols = series.map((s) => {
    const col: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (let i = 0; i < s.x.length; i++) col[index.get(s.x[i]!)!] = s.y[i] ?? null;
    return col;
  });
  return [xs, ...cols];
}

/** One axis of the parallel-coordinates plot: a numeric param or metric, or a categorical param. */
export interface ParallelAxis {
  readonly id: string;
  readonly label: string;
  readonly kind: 'numeric' | 'categorical';
  readonly min: number;
  readonly max: number;
  readonly categories: readonly string[];
}

/** Axes (params then metrics shared by at least one run) and each run's position on them in [0, 1] (null = missing). */
export function parallelCoordinates(
  runs: readonly RunRecord[],
  metricKeys?: readonly string[],
): { axes: ParallelAxis[]; lines: { runId: string; values: (number | null)[] }[] } {
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const mKeys = metricKeys ?? [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const raw: { id: string; label: string; get: (r: RunRecord) => string | number | undefined }[] = [
    ...paramKeys.map((k) => ({ id: `params.${k}`, label: k, get: (r: RunRecord) => r.params[k] })),
    ...mKeys.map((k) => ({ id: `metrics.${k}`, label: k, get: (r: RunRecord) => r.metrics[k] })),
  ];
  const axes: ParallelAxis[] = raw.map((a) => {
    const vals = runs.map(a.get).filter((v): v is string | number => v !== undefined);
    const nums = vals.map(Number);
    if (nums.every((n) => Number.isFinite(n))) {
      const min = Math.min(...nums);
      const max = Math.max(...nums);
      return { id: a.id, label: a.label, kind: 'numeric', min, max, categories: [] };
    }
    const categories = [...new Set(vals.map(String))].sort();
    return { id: a.id, label: a.label, kind: 'categorical', min: 0, max: Math.max(0, categories.length - 1), categories };
  });
  const lines = runs.map((r) => ({
    runId: r.id,
    values: raw.map((a, i) => {
      const v = a.get(r);
      if (v === undefined) return null;
      const ax = axes[i]!;
      if (ax.kind === 'categorical') return ax.categories.length <= 1 ? 0.5 : ax.categories.indexOf(String(v)) / (ax.categories.length - 1);
      return ax.max === ax.min ? 0.5 : (Number(v) - ax.min) / (ax.max - ax.min);
    }),
  }));
  return { axes, lines };
}

/** A row of the diff table: one key and each run's value; `differs` when not all runs agree. */
export interface DiffRow {
  readonly scope: 'params' | 'metrics' | 'tags' | 'attributes';
  readonly key: string;
  readonly values: (string | number | null)[];
  readonly differs: boolean;
}

/** The diff table of runs: attributes, params, metrics and tags, differing rows first within each scope. */
export function diffTable(runs: readonly RunRecord[]): DiffRow[] {
  const rows: DiffRow[] = [];
  const add = (scope: DiffRow['scope'], key: string, values: (string | number | null)[]): void => {
    const distinct = new Set(values.map((v) => (v === null ? '\u0000' : String(v))));
    rows.push({ scope, key, values, differs: distinct.size > 1 });
  };
  add(
    'attributes',
    'experiment',
    runs.map((r) => r.experiment),
  );
  add(
    'attributes',
    'status',
    runs.map((r) => r.status),
  );
  add(
    'attributes',
    'commit',
    runs.map((r) => r.code.commit),
  );
  for (const scope of ['params', 'metrics', 'tags'] as const) {
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r[scope])))].sort();
    const part: DiffRow[] = [];
    const start = rows.length;
    for (const k of keys)
      add(
        scope,
        k,
        runs.map((r) => (r[scope] as Record<string, string | number>)[k] ?? null),
      );
    part.push(...rows.splice(start));
    rows.push(...part.filter((r) => r.differs), ...part.filter((r) => !r.differs));
  }
  return rows;
}

/** Reads `?runs=a,b,c` into run ids (deduplicated, order kept). */
export function parseRunIds(param: string | null): string[] {
  return [
    ...new Set(
      (param ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** Fetches several runs in one request, in the order given. */
export async function fetchRuns(ids: readonly string[]): Promise<RunRecord[]> {
  return (await api<{ runs: RunRecord[] }>(`/api/runs/batch${qs({ ids: ids.join(',') })}`)).runs;
}

/** One downsampled history per run for `key`, in one request (runs without the metric get no points). */
export async function fetchHistories(ids: readonly string[], key: string, maxPoints = 200): Promise<MetricPoint[][]> {
  const r = await api<{ histories: { runId: string; step: number[]; ts: number[]; value: number[] }[] }>(
    `/api/metrics/histories${qs({ runs: ids.join(','), keys: key, max_points: maxPoints })}`,
  );
  const byRun = new Map(r.histories.map((h) => [h.runId, h.step.map((step, i) => ({ step, ts: h.ts[i]!, value: h.value[i]! }))]));
  return ids.map((id) => byRun.get(id) ?? []);
}
