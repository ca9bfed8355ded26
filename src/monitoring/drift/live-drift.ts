import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlipwayError } from '../../errors/index.js';
import { checkoutDataset, readCsvTable } from '../../data/index.js';
import type { Db } from '../../meta/index.js';
import { getVersion } from '../../registry/index.js';
import type { ObjectStore } from '../../store/index.js';
import { featureRows } from '../drift-features.js';
import { dataDrift, type DataDriftOptions, type DataDriftReport } from './drift-engine.js';
import type { DriftColumnData, DriftTable } from './drift-table.js';

/** Options of `liveDataDrift`: the window and Evidently's knobs (method, threshold, drift share). */
export interface LiveDriftOptions extends Pick<DataDriftOptions, 'method' | 'columnMethods' | 'threshold' | 'driftShare'> {
  readonly from: number;
  readonly to: number;
  /** Newest logged requests read (default 5000). */
  readonly maxRows?: number | undefined;
}

/** Live traffic against the served version's training data, column by column with named features. */
export interface LiveDataDrift {
  readonly model: string;
  /** The version that served most of the window's requests. */
  readonly version: number;
  /** `dataset@N` the version was trained on (from its lineage). */
  readonly reference: string;
  readonly features: readonly string[];
  readonly report: DataDriftReport;
}

function csvIn(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...csvIn(p));
    else if (name.toLowerCase().endsWith('.csv')) out.push(p);
  }
  return out.sort();
}

function columnsOf(names: readonly string[], rows: number, at: (i: number, j: number) => number): DriftTable {
  const columns = new Map<string, DriftColumnData>();
  names.forEach((name, j) => {
    const values = new Float64Array(new SharedArrayBuffer(rows * 8));
    for (let i = 0; i < rows; i++) values[i] = at(i, j);
    columns.set(name, { kind: 'numeric', values });
  });
  return { rows, columns };
}

/**
 * Compares the inputs logged in [from, to] with the training data of the version that served them, with
 * `dataDrift` (Evidently's DataDriftPreset). Features are named after the training CSV's feature columns (the
 * order the model takes them), so the report says `mean radius`, not `input[0]`.
 */
export async function liveDataDrift(db: Db, store: ObjectStore, model: string, opts: LiveDriftOptions): Promise<LiveDataDrift> {
  const served = await db.all<{ version: number | null; n: number }>(
    `SELECT version, COUNT(*) AS n FROM predictions WHERE model = ? AND at >= ? AND at <= ? AND status < 400 AND version IS NOT NULL
     GROUP BY version ORDER BY n DESC LIMIT 1`,
    [model, opts.from, opts.to],
  );
  const version = served[0]?.version;
  if (version === undefined || version === null)
    throw new SlipwayError('DRIFT_TABLE_EMPTY', `no successful requests to ${model} were logged in the window; widen --window`, { model });
  const mv = await getVersion(db, model, Number(version));
  const ds = mv.lineage.datasets[0];
  if (!ds)
    throw new SlipwayError(
      'DRIFT_REFERENCE_MISSING',
      `${model}@${mv.version} has no training dataset in its lineage; register it from a run or stage that read a dataset version, or compare tables with \`slipway drift\``,
      { model, version: mv.version },
    );
  const reference = `${ds.dataset}@${ds.version}`;
  const dir = mkdtempSync(join(tmpdir(), 'slipway-live-drift-'));
  let ref: DriftTable;
  let features: string[];
  try {
    await checkoutDataset(db, store, { name: ds.dataset, version: ds.version }, dir);
    const files = csvIn(dir);
    if (files.length !== 1)
      throw new SlipwayError(
        'DRIFT_REFERENCE_MISSING',
        `${reference} holds ${files.length} CSV files; live drift needs the one training table (image datasets: use the window comparison)`,
        { reference },
      );
    const t = await readCsvTable(files[0]!);
    features = t.features;
    const f = features.length;
    ref = columnsOf(features, t.rows, (i, j) => t.x[i * f + j]!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const logged = await db.all<{ input_json: string | null }>(
    `SELECT input_json FROM predictions WHERE model = ? AND version = ? AND at >= ? AND at <= ? AND status < 400 ORDER BY at DESC LIMIT ${Math.max(1, Math.floor(opts.maxRows ?? 5000))}`,
    [model, mv.version, opts.from, opts.to],
  );
  const rows = featureRows(
    logged.map((r) => r.input_json),
    features.length,
  );
  if (!rows || rows.rows.length === 0)
    throw new SlipwayError(
      'DRIFT_TABLE_EMPTY',
      `no logged inputs of ${features.length} numbers for ${model}@${mv.version} in the window (inputs redacted or not logged?); set monitoring.log_inputs`,
      { model },
    );
  const cur = columnsOf(features, rows.rows.length, (i, j) => rows.rows[i]![j]!);
  const report = await dataDrift(ref, cur, opts);
  return { model, version: mv.version, reference, features, report };
}
