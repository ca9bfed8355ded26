import type { Db } from '../meta/index.js';
import { percentile } from './monitoring-report.js';
import { labelsOf } from './labels-of.js';

/** One time bucket of one model version's traffic and, where feedback arrived, quality. */
export interface SeriesPoint {
  /** Bucket start (ms since epoch). */
  readonly t: number;
  readonly requests: number;
  /** Logged requests per second over the bucket (scale by 1/sampleRate for all traffic). */
  readonly throughput: number;
  readonly errorRate: number;
  readonly latencyP50: number;
  readonly latencyP95: number;
  /** Null when no request of the bucket has a ground-truth label yet. */
  readonly accuracy: number | null;
  /** Macro F1 over the classes seen in the bucket's labelled rows; null without labels. */
  readonly f1: number | null;
  readonly labelled: number;
}

/** A model version's series over a window. */
export interface VersionSeries {
  readonly version: number | null;
  readonly points: readonly SeriesPoint[];
}

/** Macro F1 of (predicted, actual) label pairs. */
export function macroF1(pairs: readonly (readonly [string, string])[]): number {
  const classes = new Set<string>();
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
  for (const [p, a] of pairs) {
    classes.add(p);
    classes.add(a);
    if (p === a) inc(tp, a);
    else {
      inc(fp, p);
      inc(fn, a);
    }
  }
  if (classes.size === 0) return 0;
  let sum = 0;
  for (const c of classes) {
    const t = tp.get(c) ?? 0;
    const d = 2 * t + (fp.get(c) ?? 0) + (fn.get(c) ?? 0);
    sum += d === 0 ? 0 : (2 * t) / d;
  }
  return sum / classes.size;
}

/** Buckets a model's logged predictions (and joined feedback) over [to - windowMs, to] into per-version series. */
export async function monitoringSeries(
  db: Db,
  model: string,
  opts: { readonly windowMs: number; readonly buckets?: number; readonly now?: number },
): Promise<{ from: number; to: number; bucketMs: number; versions: VersionSeries[] }> {
  const to = opts.now ?? Date.now();
  const from = to - opts.windowMs;
  const n = Math.max(1, Math.min(1000, opts.buckets ?? 60));
  const bucketMs = Math.max(1, Math.ceil(opts.windowMs / n));
  const rows = await db.all<{
    version: number | null;
    at: number;
    latency_ms: number;
    status: number;
    predicted: string | null;
    label: string | null;
  }>(
    `SELECT p.version AS version, p.at AS at, p.latency_ms AS latency_ms, p.status AS status, p.predicted AS predicted, f.label AS label
       FROM predictions p LEFT JOIN feedback f ON f.request_id = p.request_id WHERE p.model = ? AND p.at >= ? AND p.at <= ? ORDER BY p.at`,
    [model, from, to],
  );
  type Acc = { lat: number[]; errors: number; pairs: [string, string][] };
  const byVersion = new Map<number | null, Map<number, Acc>>();
  for (const r of rows) {
    const v = r.version === null ? null : Number(r.version);
    const b = Math.min(n - 1, Math.floor((Number(r.at) - from) / bucketMs));
    let buckets = byVersion.get(v);
    if (!buckets) byVersion.set(v, (buckets = new Map()));
    let acc = buckets.get(b);
    if (!acc) buckets.set(b, (acc = { lat: [], errors: 0, pairs: [] }));
    acc.lat.push(Number(r.latency_ms));
    if (Number(r.status) >= 400) acc.errors++;
    if (r.label !== null && r.predicted !== null) {
      // A multi-row request logs one predicted label per row and its feedback one label per row, in order.
      const ps = labelsOf(r.predicted);
      const ls = labelsOf(r.label);
      for (let i = 0; i < Math.min(ps.length, ls.length); i++) acc.pairs.push([ps[i]!, ls[i]!]);
    }
  }
  const versions: VersionSeries[] = [...byVersion.entries()]
    .sort((a, b) => (a[0] ?? -1) - (b[0] ?? -1))
    .map(([version, buckets]) => ({
      version,
      points: [...buckets.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([b, acc]) => {
          const lat = acc.lat.sort((x, y) => x - y);
          const correct = acc.pairs.filter(([p, a]) => p === a).length;
          return {
            t: from + b * bucketMs,
            requests: lat.length,
            throughput: lat.length / (bucketMs / 1000),
            errorRate: acc.errors / lat.length,
            latencyP50: percentile(lat, 50),
            latencyP95: percentile(lat, 95),
            accuracy: acc.pairs.length ? correct / acc.pairs.length : null,
            f1: acc.pairs.length ? macroF1(acc.pairs) : null,
            labelled: acc.pairs.length,
          };
        }),
    }));
  return { from, to, bucketMs, versions };
}

/** Models that have logged predictions, with the time of the latest one. */
export async function monitoredModels(db: Db): Promise<{ model: string; lastAt: number; requests: number }[]> {
  const rows = await db.all<{ model: string; last_at: number | string; n: number | string }>(
    `SELECT model, MAX(at) AS last_at, COUNT(*) AS n FROM predictions GROUP BY model ORDER BY model`,
  );
  return rows.map((r) => ({ model: r.model, lastAt: Number(r.last_at), requests: Number(r.n) }));
}
