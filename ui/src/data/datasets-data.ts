import { api, qs } from './api.js';
import type { DatasetDiff, DatasetVersion, FileProfile, Histogram } from './types.js';

/** Fetches every dataset's latest version. */
export async function fetchDatasets(): Promise<DatasetVersion[]> {
  return (await api<{ datasets: DatasetVersion[] }>('/api/datasets')).datasets;
}

/** Fetches all versions of a dataset. */
export async function fetchDatasetVersions(name: string): Promise<DatasetVersion[]> {
  return (await api<{ versions: DatasetVersion[] }>(`/api/datasets/${encodeURIComponent(name)}/versions`)).versions;
}

/** Fetches one version (with its profile). */
export async function fetchDatasetVersion(name: string, version: number): Promise<DatasetVersion> {
  return (await api<{ dataset: DatasetVersion }>(`/api/datasets/${encodeURIComponent(`${name}@${version}`)}`)).dataset;
}

/** Fetches the diff between two versions. */
export async function fetchDatasetDiff(name: string, a: number, b: number): Promise<DatasetDiff> {
  return (await api<{ diff: DatasetDiff }>(`/api/datasets/${encodeURIComponent(name)}/diff${qs({ a, b })}`)).diff;
}

/** A bar of a histogram: its range, count and height as a fraction of the tallest bar. */
export interface Bar {
  readonly from: number | string;
  readonly to: number | string;
  readonly count: number;
  readonly height: number;
}

/** Bars of a numeric histogram (edges has one more entry than counts). */
export function histogramBars(h: Histogram): Bar[] {
  const max = Math.max(1, ...h.counts);
  return h.counts.map((count, i) => ({ from: h.edges[i] ?? 0, to: h.edges[i + 1] ?? h.edges[i] ?? 0, count, height: count / max }));
}

/** Bars of a categorical count map (labels of an IDX file, top values of a text column), in label order. */
export function categoryBars(counts: Readonly<Record<string, number>>): Bar[] {
  const entries = Object.entries(counts);
  const numeric = entries.every(([k]) => /^-?\d+(\.\d+)?$/.test(k));
  entries.sort((a, b) => (numeric ? Number(a[0]) - Number(b[0]) : a[0].localeCompare(b[0])));
  const max = Math.max(1, ...entries.map((e) => e[1]));
  return entries.map(([k, count]) => ({ from: k, to: k, count, height: count / max }));
}

/** A profiled file as the page lists it: name, kind, rows/shape and the charts to draw. */
export interface ProfileView {
  readonly path: string;
  readonly summary: string;
  readonly charts: { readonly title: string; readonly bars: Bar[] }[];
}

/** Turns a version's profile into per-file views with their histograms. */
export function profileViews(profile: DatasetVersion['profile']): ProfileView[] {
  if (!profile) return [];
  return Object.entries(profile.files)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([path, fp]: [string, FileProfile]) => {
      if (fp.kind === 'idx') {
        return {
          path,
          summary: `IDX ${fp.dtype} [${fp.shape.join('×')}], min ${fp.min}, max ${fp.max}, mean ${fp.mean.toFixed(3)}`,
          charts: fp.labelHistogram ? [{ title: 'labels', bars: categoryBars(fp.labelHistogram) }] : [],
        };
      }
      return {
        path,
        summary: `CSV, ${fp.rows} rows × ${fp.columns.length} columns`,
        charts: fp.columns.flatMap((c) =>
          c.histogram
            ? [{ title: `${c.name} (${c.type})`, bars: histogramBars(c.histogram) }]
            : c.top
              ? [{ title: `${c.name} (${c.type})`, bars: categoryBars(Object.fromEntries(c.top.map((t) => [t.value, t.count]))) }]
              : [],
        ),
      };
    });
}

/** One line per change of a diff: `+ path`, `- path`, `~ path (size → size)`. */
export function diffLines(d: DatasetDiff): { kind: 'added' | 'removed' | 'changed'; path: string; detail: string }[] {
  return [
    ...d.added.map((f) => ({ kind: 'added' as const, path: f.path, detail: `${f.size} B` })),
    ...d.removed.map((f) => ({ kind: 'removed' as const, path: f.path, detail: `${f.size} B` })),
    ...d.changed.map((f) => ({ kind: 'changed' as const, path: f.path, detail: `${f.sizeFrom} B → ${f.sizeTo} B` })),
  ];
}
