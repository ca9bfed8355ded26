import { api, qs } from './api.js';
import type { MonitoringSnapshot, SeriesPoint } from './types.js';

/** Models with logged predictions. */
export async function fetchMonitoredModels(): Promise<{ model: string; lastAt: number; requests: number }[]> {
  return (await api<{ models: { model: string; lastAt: number; requests: number }[] }>('/api/monitoring')).models;
}

/** One snapshot (report, per-version series, roles, alerts). */
export function fetchSnapshot(model: string, window: string): Promise<MonitoringSnapshot> {
  return api(`/api/monitoring/${encodeURIComponent(model)}${qs({ window })}`);
}

/** The URL of the live stream of snapshots (server-sent events named `snapshot`, `failure` on errors). */
export function streamUrl(model: string, window: string, everyMs = 2000): string {
  return `/api/monitoring/${encodeURIComponent(model)}/stream${qs({ window, every: everyMs })}`;
}

/** The figures charted on the monitoring page. */
export const MONITOR_METRICS = ['accuracy', 'f1', 'latencyP95', 'throughput'] as const;
export type MonitorMetric = (typeof MONITOR_METRICS)[number];

/** A version's label: `v3 (production)` from the aliases that point at it. */
export function versionLabel(version: number | null, roles: Readonly<Record<string, string[]>>): string {
  if (version === null) return 'unversioned';
  const r = roles[String(version)];
  return r && r.length ? `v${version} (${r.join(', ')})` : `v${version}`;
}

/** uPlot columns for one figure: shared x (bucket start, seconds) and one y column per version. */
export function monitorColumns(
  s: MonitoringSnapshot,
  metric: MonitorMetric,
): { labels: string[]; data: [number[], ...(number | null)[][]] } {
  const ts = [...new Set(s.series.versions.flatMap((v) => v.points.map((p) => p.t)))].sort((a, b) => a - b);
  const idx = new Map(ts.map((t, i) => [t, i]));
  const cols = s.series.versions.map((v) => {
    const col = new Array<number | null>(ts.length).fill(null);
    for (const p of v.points) col[idx.get(p.t)!] = pointValue(p, metric);
    return col;
  });
  return { labels: s.series.versions.map((v) => versionLabel(v.version, s.roles)), data: [ts.map((t) => t / 1000), ...cols] };
}

function pointValue(p: SeriesPoint, m: MonitorMetric): number | null {
  return m === 'accuracy' ? p.accuracy : m === 'f1' ? p.f1 : m === 'latencyP95' ? p.latencyP95 : p.throughput;
}
