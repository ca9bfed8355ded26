import type { Db } from '../meta/index.js';
import { reportFromConfusion, type ClassificationReport } from '../engine/metrics/classification.js';
import { driftReport, type DriftReport, type DriftSettings } from './drift-report.js';
import { labelsOf } from './labels-of.js';

/** Options of a monitoring report. */
export interface MonitoringOptions {
  /** The sliding window, ending at `now`. */
  readonly windowMs: number;
  readonly now?: number;
  /** The prediction log's sampling rate, to scale counts back to traffic (default 1). */
  readonly sampleRate?: number;
  /** Drift thresholds, caps and the reference window (default: the window just before, as long). */
  readonly drift?: DriftSettings;
}

/** What a served model did over a window: traffic, errors, latency and, from joined feedback, its quality. */
export interface MonitoringReport {
  readonly model: string;
  readonly from: number;
  readonly to: number;
  readonly windowMs: number;
  /** Logged requests (sampled), and the estimated rate per second of all requests. */
  readonly requests: number;
  readonly requestRate: number;
  /** Non-2xx responses, and those that were the server's fault (5xx). */
  readonly errors: number;
  readonly errorRate: number;
  readonly serverErrorRate: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly mean: number };
  readonly versions: readonly { readonly version: number | null; readonly requests: number }[];
  /** Rows with both a prediction and a ground-truth label; null when no feedback arrived in the window. */
  readonly quality: (ClassificationReport & { readonly labelled: number }) | null;
  /** Prediction and input drift against the reference window. */
  readonly drift: DriftReport;
}

/** Nearest-rank percentile of sorted values (0 when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Sorts labels numerically when they are all numbers, else alphabetically. */
function sortLabels(xs: Iterable<string>): string[] {
  const a = [...xs];
  return a.every((x) => /^-?\d+(\.\d+)?$/.test(x)) ? a.sort((x, y) => Number(x) - Number(y)) : a.sort();
}

/** Builds the monitoring report for `model` from the predictions and feedback tables. */
export async function monitoringReport(db: Db, model: string, opts: MonitoringOptions): Promise<MonitoringReport> {
  const to = opts.now ?? Date.now();
  const from = to - opts.windowMs;
  const rows = await db.all<{ version: number | null; latency_ms: number; status: number }>(
    `SELECT version, latency_ms, status FROM predictions WHERE model = ? AND at >= ? AND at <= ?`,
    [model, from, to],
  );
  const lat = rows.map((r) => Number(r.latency_ms)).sort((a, b) => a - b);
  const errors = rows.filter((r) => Number(r.status) >= 400).length;
  const serverErrors = rows.filter((r) => Number(r.status) >= 500).length;
  const byVersion = new Map<number | null, number>();
  for (const r of rows) {
    const v = r.version === null ? null : Number(r.version);
    byVersion.set(v, (byVersion.get(v) ?? 0) + 1);
  }
  const joined = await db.all<{ predicted: string; label: string }>(
    `SELECT p.predicted AS predicted, f.label AS label FROM predictions p JOIN feedback f ON f.request_id = p.request_id
     WHERE p.model = ? AND p.at >= ? AND p.at <= ? AND p.predicted IS NOT NULL`,
    [model, from, to],
  );
  const pairs: [string, string][] = [];
  for (const j of joined) {
    const p = labelsOf(String(j.predicted));
    const t = labelsOf(String(j.label));
    if (p.length !== t.length) continue; // feedback for a multi-row request must label every row
    for (let i = 0; i < p.length; i++) pairs.push([t[i]!, p[i]!]);
  }
  let quality: MonitoringReport['quality'] = null;
  if (pairs.length > 0) {
    const labels = sortLabels(new Set(pairs.flat()));
    const index = new Map(labels.map((l, i) => [l, i]));
    const confusion = labels.map(() => new Array<number>(labels.length).fill(0));
    for (const [t, p] of pairs) confusion[index.get(t)!]![index.get(p)!]!++;
    quality = { ...reportFromConfusion(confusion, labels), labelled: pairs.length };
  }
  const n = rows.length;
  const rate = opts.sampleRate && opts.sampleRate > 0 ? opts.sampleRate : 1;
  return {
    model,
    from,
    to,
    windowMs: opts.windowMs,
    requests: n,
    requestRate: n / rate / (opts.windowMs / 1000),
    errors,
    errorRate: n === 0 ? 0 : errors / n,
    serverErrorRate: n === 0 ? 0 : serverErrors / n,
    latencyMs: {
      p50: percentile(lat, 50),
      p95: percentile(lat, 95),
      p99: percentile(lat, 99),
      mean: n === 0 ? 0 : lat.reduce((a, b) => a + b, 0) / n,
    },
    versions: [...byVersion].map(([version, requests]) => ({ version, requests })),
    quality,
    drift: await driftReport(db, model, from, to, opts.drift),
  };
}
