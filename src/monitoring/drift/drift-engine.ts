import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SlipwayError } from '../../errors/index.js';
import { columnDrift, type ColumnDrift, type ColumnJob, type SkippedColumn } from './column-drift.js';
import type { DriftColumnData, DriftTable } from './drift-table.js';
import type { DriftWorkerTask } from './drift-worker.js';
import { driftMethod, type DriftMethod } from './stattests.js';

/** Options of `dataDrift`, Evidently's DataDriftPreset parameters. */
export interface DataDriftOptions {
  /** The target column: tested too and counted in the share, as Evidently counts it. */
  readonly target?: string | undefined;
  /** Columns compared as categories whatever their values. */
  readonly categorical?: readonly string[] | undefined;
  /** Columns to test (default: every column in both tables). */
  readonly columns?: readonly string[] | undefined;
  /** The dataset drifts when the share of drifting columns is at least this (default 0.5). */
  readonly driftShare?: number | undefined;
  /** A method for every column whose type accepts it (the rest keep Evidently's default). */
  readonly method?: string | undefined;
  /** Methods for named columns (Evidently's per_column_stattest). */
  readonly columnMethods?: Readonly<Record<string, string>> | undefined;
  /** Threshold for every column, replacing each method's default. */
  readonly threshold?: number | undefined;
  /** Worker threads for numeric columns; default: the CPUs, and none for small tables. */
  readonly workers?: number | undefined;
}

/** Evidently's dataset drift: per-column verdicts, their count and share, and the dataset verdict. */
export interface DataDriftReport {
  readonly reference: { readonly rows: number };
  readonly current: { readonly rows: number };
  readonly driftShare: number;
  readonly numberOfColumns: number;
  readonly numberOfDriftedColumns: number;
  readonly shareOfDriftedColumns: number;
  readonly datasetDrift: boolean;
  /** The target column's verdict when a target was named (also among `columns`). */
  readonly target: ColumnDrift | null;
  /** Drifting columns first, then in table order. */
  readonly columns: readonly ColumnDrift[];
  /** Columns left out of the share, with the reason (present in one table only, all values missing…). */
  readonly skipped: readonly SkippedColumn[];
}

/** Below this many cells in numeric columns, starting workers costs more than it saves. */
const INLINE_CELLS = 2_000_000;

function resolveMethod(name: string): DriftMethod {
  const m = driftMethod(name);
  if (!m)
    throw new SlipwayError(
      'DRIFT_METHOD_UNKNOWN',
      `unknown drift method "${name}"; use one of ks, chisquare, z, wasserstein, js, psi, kl, hellinger, anderson, cramer_von_mises`,
      { method: name },
    );
  return m.name;
}

/**
 * Compares two tables column by column as Evidently's DataDriftPreset does and judges the dataset. Numeric
 * columns are spread over worker threads (each sorts its two samples once; every statistic is linear after that).
 */
export async function dataDrift(reference: DriftTable, current: DriftTable, opts: DataDriftOptions = {}): Promise<DataDriftReport> {
  if (reference.rows === 0 || current.rows === 0)
    throw new SlipwayError(
      'DRIFT_TABLE_EMPTY',
      `the ${reference.rows === 0 ? 'reference' : 'current'} table has no rows; compare tables with data`,
      {},
    );
  const driftShare = opts.driftShare ?? 0.5;
  if (!(driftShare > 0 && driftShare <= 1))
    throw new SlipwayError('DRIFT_OPTION_INVALID', `drift share ${driftShare} is outside (0, 1]; pass e.g. --drift-share 0.5`, {});
  const allMethod = opts.method === undefined ? undefined : resolveMethod(opts.method);
  const categorical = new Set(opts.categorical ?? []);
  const skipped: SkippedColumn[] = [];
  const names = opts.columns ?? [...new Set([...reference.columns.keys(), ...current.columns.keys()])];
  for (const n of [...categorical, ...Object.keys(opts.columnMethods ?? {}), ...(opts.target === undefined ? [] : [opts.target])])
    if (!reference.columns.has(n) && !current.columns.has(n))
      throw new SlipwayError('DRIFT_COLUMN_UNKNOWN', `column "${n}" is in neither table; check the name`, { column: n });
  if (opts.target !== undefined && !(reference.columns.has(opts.target) && current.columns.has(opts.target)))
    throw new SlipwayError('DRIFT_COLUMN_UNKNOWN', `the target "${opts.target}" must be in both tables`, { column: opts.target });
  const tasks: { ref: DriftColumnData; cur: DriftColumnData; job: ColumnJob }[] = [];
  // Evidently puts the target first.
  const ordered = opts.target === undefined ? names : [opts.target, ...names.filter((n) => n !== opts.target)];
  for (const name of ordered) {
    const ref = reference.columns.get(name);
    const cur = current.columns.get(name);
    if (!ref || !cur) {
      skipped.push({ name, reason: ref ? 'only in the reference table' : 'only in the current table' });
      continue;
    }
    if (ref.kind !== cur.kind && !categorical.has(name))
      throw new SlipwayError(
        'DRIFT_TYPE_MISMATCH',
        `column "${name}" holds ${ref.kind === 'numeric' ? 'numbers' : 'text'} in the reference table but ${cur.kind === 'numeric' ? 'numbers' : 'text'} in the current one; fix the data or pass --categorical ${name} to compare them as categories`,
        { column: name },
      );
    const method = opts.columnMethods?.[name];
    tasks.push({
      ref,
      cur,
      job: {
        name,
        role: name === opts.target ? 'target' : 'feature',
        categorical: categorical.has(name),
        method: method === undefined ? undefined : resolveMethod(method),
        allMethod,
        threshold: opts.threshold,
      },
    });
  }
  const results = await runAll(tasks, opts.workers);
  const columns: ColumnDrift[] = [];
  results.forEach((r) => ('reason' in r ? skipped.push(r) : columns.push(r)));
  if (columns.length === 0)
    throw new SlipwayError('DRIFT_TABLE_EMPTY', 'no column could be compared (none in both tables with values); check the tables', {
      skipped: skipped.map((s) => s.name),
    });
  const drifted = columns.filter((c) => c.drift).length;
  const share = drifted / columns.length;
  return {
    reference: { rows: reference.rows },
    current: { rows: current.rows },
    driftShare,
    numberOfColumns: columns.length,
    numberOfDriftedColumns: drifted,
    shareOfDriftedColumns: share,
    datasetDrift: share >= driftShare,
    target: columns.find((c) => c.role === 'target') ?? null,
    columns: [...columns.filter((c) => c.drift), ...columns.filter((c) => !c.drift)],
    skipped,
  };
}

type Task = { ref: DriftColumnData; cur: DriftColumnData; job: ColumnJob };

async function runAll(tasks: readonly Task[], workers?: number): Promise<(ColumnDrift | SkippedColumn)[]> {
  let cells = 0;
  for (const t of tasks) if (t.ref.kind === 'numeric' && !t.job.categorical) cells += t.ref.values.length + t.cur.values.length;
  const numeric = tasks.filter((t) => t.ref.kind === 'numeric' && t.cur.kind === 'numeric').length;
  const n = Math.min(workers ?? (cells < INLINE_CELLS ? 0 : availableParallelism()), numeric);
  if (n <= 1) return tasks.map((t) => columnDrift(t.ref, t.cur, t.job));
  const out = new Array<ColumnDrift | SkippedColumn>(tasks.length);
  const pending: number[] = [];
  tasks.forEach((t, i) => {
    // Text columns stay here: their cells would be copied to a worker, and they are cheap.
    if (t.ref.kind === 'numeric' && t.cur.kind === 'numeric') pending.push(i);
    else out[i] = columnDrift(t.ref, t.cur, t.job);
  });
  const pool = Array.from({ length: n }, () => startWorker());
  try {
    await Promise.all(
      pool.map(async (w) => {
        for (let i = pending.shift(); i !== undefined; i = pending.shift()) {
          const t = tasks[i]!;
          out[i] = await ask(w, { id: i, ref: t.ref, cur: t.cur, job: t.job });
        }
      }),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return out;
}

function ask(w: Worker, task: DriftWorkerTask): Promise<ColumnDrift | SkippedColumn> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { id: number; result?: ColumnDrift | SkippedColumn; error?: string }): void => {
      w.off('error', onError);
      if (m.error !== undefined || !m.result)
        reject(new SlipwayError('INTERNAL', `drift worker failed on "${task.job.name}": ${m.error}`, {}));
      else resolve(m.result);
    };
    const onError = (e: Error): void => {
      w.off('message', onMessage);
      reject(e);
    };
    w.once('message', onMessage);
    w.once('error', onError);
    w.postMessage(task);
  });
}

/** The worker next to this module; under tsx a bootstrap registers tsx first (Node 20 workers cannot start from .ts). */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./drift-worker.js', import.meta.url));
  const entry = new URL('./drift-worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const execArgv = process.execArgv.filter(
    (a, i, all) => !a.includes('tsx') && !((a === '--import' || a === '--loader') && all[i + 1]?.includes('tsx')),
  );
  const code = `import(${JSON.stringify(api)}).then((tsx) => (tsx.register(), import(${JSON.stringify(entry)})))`;
  return new Worker(code, { eval: true, execArgv });
}
