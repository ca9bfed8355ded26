import type { Db } from '../meta/index.js';
import { percentile } from './monitoring-report.js';
import { labelsOf } from './labels-of.js';

/** Live figures of one model version over a time range, from the prediction log and joined feedback. */
export interface LiveSummary {
  readonly model: string;
  readonly version: number;
  readonly requests: number;
  /** Requests answered with a 5xx status. */
  readonly errors: number;
  readonly errorRate: number;
  readonly p99Ms: number;
  /** Predicted rows with feedback, and how many of them were right. */
  readonly labelled: number;
  readonly correct: number;
  /** correct / labelled; null without feedback. */
  readonly accuracy: number | null;
  /** Predicted label → rows. */
  readonly predicted: Readonly<Record<string, number>>;
}

/**
 * Summarises what `model@version` did between `from` and `to` (ms; default all time). Shadow copies are logged under
 * `REQUEST_ID#shadow` and count for their own version unless `served` is set.
 */
export async function liveSummary(
  db: Db,
  model: string,
  version: number,
  range: { from?: number; to?: number; served?: boolean } = {},
): Promise<LiveSummary> {
  const from = range.from ?? 0;
  const to = range.to ?? Number.MAX_SAFE_INTEGER;
  // served: only answers that went back to clients (shadow copies excluded).
  const onlyServed = range.served ? ` AND p.request_id NOT LIKE '%#shadow'` : '';
  const rows = await db.all<{ latency_ms: number; status: number; predicted: string | null; label: string | null }>(
    `SELECT p.latency_ms, p.status, p.predicted, f.label FROM predictions p
       LEFT JOIN feedback f ON f.request_id = p.request_id
       WHERE p.model = ? AND p.version = ? AND p.at >= ? AND p.at < ?${onlyServed}`,
    [model, version, from, to],
  );
  let errors = 0;
  let labelled = 0;
  let correct = 0;
  const predicted: Record<string, number> = {};
  const lat: number[] = [];
  for (const r of rows) {
    lat.push(Number(r.latency_ms));
    if (Number(r.status) >= 500) errors++;
    if (r.predicted === null) continue;
    const p = labelsOf(String(r.predicted));
    for (const l of p) predicted[l] = (predicted[l] ?? 0) + 1;
    if (r.label === null) continue;
    const t = labelsOf(String(r.label));
    if (t.length !== p.length) continue; // feedback for a multi-row request must label every row
    labelled += p.length;
    p.forEach((l, i) => {
      if (l === t[i]) correct++;
    });
  }
  lat.sort((a, b) => a - b);
  return {
    model,
    version,
    requests: rows.length,
    errors,
    errorRate: rows.length ? errors / rows.length : 0,
    p99Ms: lat.length ? percentile(lat, 99) : 0,
    labelled,
    correct,
    accuracy: labelled ? correct / labelled : null,
    predicted,
  };
}
