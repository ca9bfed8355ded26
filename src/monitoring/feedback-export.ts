import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDataset, type DatasetVersion } from '../data/index.js';
import { SlipwayError } from '../errors/index.js';
import type { Db } from '../meta/index.js';
import { getVersion } from '../registry/index.js';
import type { ObjectStore } from '../store/index.js';
import { featureRows } from './drift-features.js';
import { labelsOf } from './labels-of.js';

/** What an export wrote. */
export interface FeedbackExport {
  /** The dataset version holding the labelled rows (a new one, or the latest when nothing new was labelled). */
  readonly version: DatasetVersion;
  readonly created: boolean;
  /** Labelled rows exported, and labelled requests skipped (inputs not logged or redacted, labels the model does not know). */
  readonly rows: number;
  readonly skipped: number;
}

/**
 * Turns labelled production traffic into training data: every served prediction of `model` with feedback (shadow copies
 * excluded) becomes a row of its logged inputs and the feedback label, written as one CSV and versioned as dataset
 * `dataset` (a new version only when the rows changed). Inputs were redacted as configured when they were logged; a row
 * with a redacted or non-numeric input is skipped, since it cannot be trained on. Classifiers with class labels get the
 * scikit-learn layout the CSV loader reads (`n,features,label…` then rows with the class index last).
 */
export async function exportFeedback(
  db: Db,
  store: ObjectStore,
  opts: { model: string; dataset: string; since?: number; now?: number },
): Promise<FeedbackExport> {
  const rows = await db.all<{ input_json: string | null; label: string; version: number | null }>(
    `SELECT p.input_json, f.label, p.version FROM predictions p JOIN feedback f ON f.request_id = p.request_id
       WHERE p.model = ? AND p.at >= ? AND p.at <= ? AND p.status < 400 AND p.request_id NOT LIKE '%#shadow'
       ORDER BY p.at, p.request_id`,
    [opts.model, opts.since ?? 0, opts.now ?? Date.now()],
  );
  if (rows.length === 0)
    throw new SlipwayError(
      'DATA_EMPTY',
      `no labelled predictions of ${opts.model} yet; send ground truth to POST /v1/feedback {request_id, label}`,
      {
        model: opts.model,
      },
    );
  const versions = [...new Set(rows.map((r) => r.version).filter((v): v is number => v !== null))];
  const labels = versions.length > 0 ? (await getVersion(db, opts.model, Math.max(...versions))).signature.classLabels : undefined;
  const index = new Map((labels ?? []).map((l, i) => [l, i]));
  const out: string[] = [];
  let width: number | undefined;
  let skipped = 0;
  for (const r of rows) {
    const parsed = featureRows([r.input_json], width);
    const truth = labelsOf(r.label);
    if (!parsed || parsed.rows.length !== truth.length) {
      skipped++;
      continue;
    }
    width ??= parsed.rows[0]!.length;
    const ys = truth.map((t) => (labels ? index.get(t) : Number.isFinite(Number(t)) ? Number(t) : undefined));
    if (ys.some((y) => y === undefined)) {
      skipped++;
      continue;
    }
    parsed.rows.forEach((x, i) => out.push(`${Array.from(x).join(',')},${ys[i]}`));
  }
  if (out.length === 0 || width === undefined)
    throw new SlipwayError(
      'DATA_EMPTY',
      `none of the ${rows.length} labelled predictions of ${opts.model} has numeric inputs in the log (monitoring.log_inputs off, or inputs redacted)`,
      { model: opts.model },
    );
  const header = labels
    ? `${out.length},${width},${labels.join(',')}`
    : [...Array.from({ length: width }, (_, j) => `x${j}`), 'target'].join(',');
  const dir = mkdtempSync(join(tmpdir(), 'slipway-feedback-'));
  try {
    const file = join(dir, `${opts.dataset}.csv`);
    writeFileSync(file, `${header}\n${out.join('\n')}\n`);
    const r = await addDataset(db, store, {
      path: file,
      name: opts.dataset,
      message: `labelled production traffic of ${opts.model} (${out.length} rows)`,
    });
    return { version: r.version, created: r.created, rows: out.length, skipped };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
