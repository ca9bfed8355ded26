import { api, qs } from './api.js';
import type { RunKeys, RunRecord } from './types.js';

/** What the runs table asks the server: the same filter and sort language as `slipway runs list`. */
export interface RunsQuery {
  readonly experiment?: string;
  readonly where?: string;
  readonly orderBy?: string;
}

/** A column of the runs table: a run attribute, a param, a metric or a tag. */
export interface RunColumn {
  readonly id: string;
  readonly label: string;
  readonly scope: 'attributes' | 'params' | 'metrics' | 'tags';
  readonly key: string;
  /** The `order_by` term that sorts by this column. */
  readonly sortKey: string;
}

const ATTRIBUTE_COLUMNS: RunColumn[] = [
  { id: 'name', label: 'Run', scope: 'attributes', key: 'name', sortKey: 'name' },
  { id: 'experiment', label: 'Experiment', scope: 'attributes', key: 'experiment', sortKey: 'experiment' },
  { id: 'status', label: 'Status', scope: 'attributes', key: 'status', sortKey: 'status' },
  { id: 'start_time', label: 'Started', scope: 'attributes', key: 'start_time', sortKey: 'start_time' },
];

/** Quotes a key for the filter/sort language when it has characters the bare form does not allow. */
export function quoteKey(key: string): string {
  return /^[A-Za-z0-9_.\-/:]+$/.test(key) ? key : `"${key}"`;
}

/** The table's columns: attributes, then each param and metric key (capped, so 12k metric keys do not make 12k columns). */
export function runColumns(keys: RunKeys, maxPerScope = 30): RunColumn[] {
  const scoped = (scope: 'params' | 'metrics', list: readonly string[]): RunColumn[] =>
    list.slice(0, maxPerScope).map((k) => ({ id: `${scope}.${k}`, label: k, scope, key: k, sortKey: `${scope}.${quoteKey(k)}` }));
  return [...ATTRIBUTE_COLUMNS, ...scoped('params', keys.params), ...scoped('metrics', keys.metrics)];
}

/** The text a cell shows for a run and a column. */
export function cellValue(run: RunRecord, col: RunColumn): string | number | null {
  switch (col.scope) {
    case 'params':
      return run.params[col.key] ?? null;
    case 'metrics':
      return run.metrics[col.key] ?? null;
    case 'tags':
      return run.tags[col.key] ?? null;
    default:
      if (col.key === 'name') return run.name ?? run.id;
      if (col.key === 'experiment') return run.experiment;
      if (col.key === 'status') return run.status;
      if (col.key === 'start_time') return run.startTime;
      return null;
  }
}

/** Clicking a header: sort ascending by it, then descending, then back to the default order. */
export function nextSort(current: string | undefined, col: RunColumn): string | undefined {
  if (current === `${col.sortKey} asc`) return `${col.sortKey} desc`;
  if (current === `${col.sortKey} desc`) return undefined;
  return `${col.sortKey} asc`;
}

/** One page of runs and the total number that match. */
export interface RunsPage {
  readonly runs: RunRecord[];
  readonly total: number;
}

/** Fetches rows [offset, offset+limit) of the filtered, sorted runs. */
export function fetchRunsPage(q: RunsQuery, offset: number, limit: number, signal?: AbortSignal): Promise<RunsPage> {
  return api<RunsPage>(`/api/runs${qs({ experiment: q.experiment, where: q.where, order_by: q.orderBy, offset, limit })}`, { signal });
}

/** Fetches the param/metric/tag keys of an experiment (or all runs). */
export async function fetchRunKeys(experiment?: string): Promise<RunKeys> {
  return (await api<{ keys: RunKeys }>(`/api/runs/keys${qs({ experiment })}`)).keys;
}

/** Fetches the experiment names with their run counts. */
export async function fetchExperiments(): Promise<{ name: string; runs: number }[]> {
  return (await api<{ experiments: { name: string; runs: number }[] }>('/api/experiments')).experiments;
}

/**
 * A sparse, page-cached view of a filtered run list for a virtualised table: rows are fetched a page at a time as
 * they scroll into view, so 10,000 runs cost one small request for what is on screen.
 */
export class RunsWindow {
  readonly pageSize: number;
  total: number | null = null;
  private readonly pages = new Map<number, RunRecord[]>();
  private readonly pending = new Map<number, Promise<void>>();

  constructor(
    readonly query: RunsQuery,
    private readonly load: (q: RunsQuery, offset: number, limit: number) => Promise<RunsPage> = fetchRunsPage,
    pageSize = 100,
  ) {
    this.pageSize = pageSize;
  }

  /** The run at `index`, if its page is loaded. */
  row(index: number): RunRecord | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** Loads the pages covering rows [from, to); resolves when they are in (each page is requested once). */
  async ensure(from: number, to: number): Promise<void> {
    const first = Math.max(0, Math.floor(from / this.pageSize));
    const last = Math.max(first, Math.floor(Math.max(from, to - 1) / this.pageSize));
    const waits: Promise<void>[] = [];
    for (let p = first; p <= last; p++) {
      if (this.pages.has(p)) continue;
      if (this.total !== null && p * this.pageSize >= this.total && p > 0) continue;
      let w = this.pending.get(p);
      if (!w) {
        w = this.load(this.query, p * this.pageSize, this.pageSize).then(
          (res) => {
            this.pages.set(p, res.runs);
            this.total = res.total;
            this.pending.delete(p);
          },
          (e: unknown) => {
            this.pending.delete(p);
            throw e;
          },
        );
        this.pending.set(p, w);
      }
      waits.push(w);
    }
    await Promise.all(waits);
  }

  /** How many rows are loaded (for tests and the status line). */
  get loaded(): number {
    let n = 0;
    for (const p of this.pages.values()) n += p.length;
    return n;
  }
}

/** Which rows to render for a scroll position: the visible ones plus `overscan` on each side. */
export function visibleRange(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  total: number,
  overscan = 10,
): { from: number; to: number } {
  const from = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const to = Math.min(total, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return { from, to: Math.max(from, to) };
}
