import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SlipwayConfig, Workspace } from '../config/index.js';
import { SlipwayError } from '../errors/index.js';
import type { Db } from '../meta/index.js';
import { exportFeedback, parseWindow, type FeedbackExport } from '../monitoring/index.js';
import { writeFileAtomic, type ObjectStore } from '../store/index.js';

/** Which model and dataset an export uses: flags first, then monitoring.feedback_dataset. */
export function feedbackTarget(
  config: SlipwayConfig | undefined,
  flags: { model?: string; dataset?: string },
): { model: string; dataset: string } {
  const fd = config?.monitoring?.feedback_dataset;
  const model = flags.model ?? fd?.model;
  const dataset = flags.dataset ?? fd?.name ?? (model ? `${model}-feedback` : undefined);
  if (!model || !dataset)
    throw new SlipwayError(
      'USAGE',
      'name the model: `slipway monitor export-feedback --model NAME [--dataset NAME]`, or set monitoring.feedback_dataset in slipway.yaml',
    );
  return { model, dataset };
}

/**
 * Exports feedback when monitoring.feedback_dataset.every has passed since the last export (`slipway schedule` calls
 * this before it looks for new dataset versions, so an `on_dataset` trigger on the feedback dataset fires the same pass).
 */
export async function maybeExportFeedback(
  ws: Workspace,
  db: Db,
  store: ObjectStore,
  config: SlipwayConfig,
  log: (line: string) => void,
  now = Date.now(),
): Promise<FeedbackExport | null> {
  const fd = config.monitoring?.feedback_dataset;
  if (!fd?.every) return null;
  const statePath = join(ws.stateDir, 'feedback-export.json');
  let last = 0;
  try {
    if (existsSync(statePath)) last = (JSON.parse(readFileSync(statePath, 'utf8')) as { at?: number }).at ?? 0;
  } catch {
    /* a damaged state file means one extra export */
  }
  if (now - last < parseWindow(fd.every)) return null;
  try {
    const r = await exportFeedback(db, store, { model: fd.model, dataset: fd.name, now });
    log(
      `feedback: ${r.rows} labelled rows of ${fd.model} → ${r.version.name}@${r.version.version}${r.created ? ' (new version)' : ' (unchanged)'}`,
    );
    return r;
  } catch (e) {
    log(`feedback export skipped: ${(e as Error).message}`);
    return null;
  } finally {
    writeFileAtomic(statePath, JSON.stringify({ at: now }));
  }
}
