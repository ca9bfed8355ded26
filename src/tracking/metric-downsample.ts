import type { Db } from '../meta/index.js';
import { lttb } from './lttb.js';
import { metricHistory } from './run-repository.js';
import type { MetricPoint } from './types.js';

/** A chart-sized history: at most `maxPoints` points, and how many the full history has. */
export interface DownsampledHistory {
  readonly points: MetricPoint[];
  readonly total: number;
  readonly downsampled: boolean;
}

/**
 * Reads a metric history thinned to at most `maxPoints` for a chart (x by step or by time).
 * Short histories are read whole and thinned by LTTB. Long ones are first reduced in SQL to the lowest and highest
 * value of each of `maxPoints` x-buckets (so no spike is lost and the database, not JavaScript, walks the 100k rows),
 * then LTTB picks `maxPoints` of those.
 */
export async function downsampleHistory(
  db: Db,
  runId: string,
  key: string,
  maxPoints: number,
  x: 'step' | 'time' = 'step',
): Promise<DownsampledHistory> {
  const col = x === 'time' ? 'ts' : 'step';
  const stats = await db.get<{ n: number | string; lo: number | string | null; hi: number | string | null }>(
    `SELECT COUNT(*) AS n, MIN(${col}) AS lo, MAX(${col}) AS hi FROM metrics WHERE run_id = ? AND key = ?`,
    [runId, key],
  );
  const total = Number(stats?.n ?? 0);
  if (total <= 2 * maxPoints || stats?.lo === null || stats?.hi === null) {
    const all = await metricHistory(db, runId, key);
    const xy = all.map((p) => ({ x: x === 'time' ? p.ts : p.step, y: p.value, p }));
    if (x === 'time') xy.sort((a, b) => a.x - b.x);
    const kept = lttb(xy, maxPoints).map((e) => e.p);
    return { points: kept, total, downsampled: kept.length < total };
  }
  const lo = Number(stats!.lo);
  const hi = Number(stats!.hi);
  const width = Math.max(1, Math.ceil((hi - lo + 1) / maxPoints));
  const rows = await db.all<{
    b: number | string;
    x0: number | string;
    x1: number | string;
    t0: number | string;
    s0: number | string;
    vmin: number;
    vmax: number;
  }>(
    `SELECT CAST((${col} - ?) / ? AS BIGINT) AS b, MIN(${col}) AS x0, MAX(${col}) AS x1, MIN(ts) AS t0, MIN(step) AS s0, MIN(value) AS vmin, MAX(value) AS vmax
       FROM metrics WHERE run_id = ? AND key = ? GROUP BY CAST((${col} - ?) / ? AS BIGINT) ORDER BY b`,
    [lo, width, runId, key, lo, width],
  );
  // The true first and last points stay (LTTB always keeps the ends); each bucket in between becomes its low and its
  // high point at the bucket's middle x (two points when they differ).
  const end = async (dir: 'ASC' | 'DESC'): Promise<MetricPoint> => {
    const r = (await db.get<{ step: number | string; ts: number | string; value: number }>(
      `SELECT step, ts, value FROM metrics WHERE run_id = ? AND key = ? ORDER BY ${col} ${dir}, ${col === 'ts' ? 'step' : 'ts'} ${dir} LIMIT 1`,
      [runId, key],
    ))!;
    return { step: Number(r.step), ts: Number(r.ts), value: Number(r.value) };
  };
  const [first, last] = await Promise.all([end('ASC'), end('DESC')]);
  const xOf = (p: MetricPoint): number => (x === 'time' ? p.ts : p.step);
  const xy: { x: number; y: number; p: MetricPoint }[] = [{ x: xOf(first), y: first.value, p: first }];
  for (const r of rows) {
    const mid = (Number(r.x0) + Number(r.x1)) / 2;
    const at = (value: number): MetricPoint =>
      x === 'time'
        ? { step: Number(r.s0), ts: Math.round(mid), value: Number(value) }
        : { step: Math.round(mid), ts: Number(r.t0), value: Number(value) };
    xy.push({ x: mid, y: Number(r.vmin), p: at(r.vmin) });
    if (r.vmax !== r.vmin) xy.push({ x: mid, y: Number(r.vmax), p: at(r.vmax) });
  }
  xy.push({ x: xOf(last), y: last.value, p: last });
  const kept = lttb(xy, maxPoints).map((e) => e.p);
  return { points: kept, total, downsampled: true };
}

/**
 * One metric of many runs, thinned for an overlaid chart in two queries whatever the number of runs: the x range
 * of them all, then each run's lowest and highest value per shared x-bucket (runs line up on the same bucket x).
 * A bucket with one point keeps that point exactly, so short histories come back whole.
 */
export async function downsampleHistories(
  db: Db,
  runIds: readonly string[],
  key: string,
  maxPoints: number,
  x: 'step' | 'time' = 'step',
): Promise<Map<string, DownsampledHistory>> {
  const out = new Map<string, DownsampledHistory>();
  if (runIds.length === 0) return out;
  const col = x === 'time' ? 'ts' : 'step';
  const inList = runIds.map(() => '?').join(', ');
  const stats = await db.get<{ lo: number | string | null; hi: number | string | null }>(
    `SELECT MIN(${col}) AS lo, MAX(${col}) AS hi FROM metrics WHERE key = ? AND run_id IN (${inList})`,
    [key, ...runIds],
  );
  if (!stats || stats.lo === null || stats.hi === null) return out;
  const lo = Number(stats.lo);
  const width = Math.max(1, Math.ceil((Number(stats.hi) - lo + 1) / Math.max(1, Math.floor(maxPoints / 2))));
  const rows = await db.all<{
    run_id: string;
    n: number | string;
    x0: number | string;
    x1: number | string;
    t0: number | string;
    s0: number | string;
    vmin: number;
    vmax: number;
  }>(
    `SELECT run_id, COUNT(*) AS n, MIN(${col}) AS x0, MAX(${col}) AS x1, MIN(ts) AS t0, MIN(step) AS s0, MIN(value) AS vmin, MAX(value) AS vmax
       FROM metrics WHERE key = ? AND run_id IN (${inList})
      GROUP BY run_id, CAST((${col} - ?) / ? AS BIGINT) ORDER BY run_id, MIN(${col})`,
    [key, ...runIds, lo, width],
  );
  const acc = new Map<string, { points: MetricPoint[]; total: number; merged: boolean }>();
  for (const r of rows) {
    let a = acc.get(r.run_id);
    if (!a) acc.set(r.run_id, (a = { points: [], total: 0, merged: false }));
    const n = Number(r.n);
    a.total += n;
    if (n === 1) {
      a.points.push({ step: Number(r.s0), ts: Number(r.t0), value: Number(r.vmin) });
      continue;
    }
    a.merged = true;
    const mid = (Number(r.x0) + Number(r.x1)) / 2;
    const at = (value: number): MetricPoint =>
      x === 'time'
        ? { step: Number(r.s0), ts: Math.round(mid), value: Number(value) }
        : { step: Math.round(mid), ts: Number(r.t0), value: Number(value) };
    a.points.push(at(r.vmin));
    if (r.vmax !== r.vmin) a.points.push(at(r.vmax));
  }
  for (const [id, a] of acc) out.set(id, { points: a.points, total: a.total, downsampled: a.merged });
  return out;
}
