import type { ObjectStore } from '../store/index.js';
import { readTree } from '../store/index.js';
import type { DatasetVersion } from './dataset-repository.js';
import type { ColumnProfile, FileProfile } from './profile.js';

/** How one numeric statistic moved between two versions. */
export interface StatDelta {
  from: number | null;
  to: number | null;
  delta: number | null;
}

/** Column-level changes of a CSV file present in both versions. */
export interface ColumnDelta {
  name: string;
  typeFrom?: string;
  typeTo?: string;
  missing: StatDelta;
  distinct: StatDelta;
  mean: StatDelta;
  std: StatDelta;
  min: StatDelta;
  max: StatDelta;
}

/** Profile changes of one file present in both versions. */
export interface FileProfileDelta {
  path: string;
  kind: 'csv' | 'idx';
  rows?: StatDelta;
  columnsAdded?: string[];
  columnsRemoved?: string[];
  columns?: ColumnDelta[];
  shapeFrom?: number[];
  shapeTo?: number[];
  /** label → count delta, for 1-D IDX files. */
  labels?: Record<string, StatDelta>;
}

/** The difference between two dataset versions. */
export interface DatasetDiff {
  from: string;
  to: string;
  added: { path: string; size: number }[];
  removed: { path: string; size: number }[];
  changed: { path: string; sizeFrom: number; sizeTo: number }[];
  unchanged: number;
  files: StatDelta;
  bytes: StatDelta;
  profiles: FileProfileDelta[];
}

function delta(a: number | undefined | null, b: number | undefined | null): StatDelta {
  const from = a ?? null;
  const to = b ?? null;
  return { from, to, delta: from !== null && to !== null ? to - from : null };
}

function columnDelta(a: ColumnProfile | undefined, b: ColumnProfile | undefined, name: string): ColumnDelta {
  const d: ColumnDelta = {
    name,
    missing: delta(a?.missing, b?.missing),
    distinct: delta(a?.distinct, b?.distinct),
    mean: delta(a?.mean, b?.mean),
    std: delta(a?.std, b?.std),
    min: delta(a?.min, b?.min),
    max: delta(a?.max, b?.max),
  };
  if (a?.type !== b?.type) {
    d.typeFrom = a?.type;
    d.typeTo = b?.type;
  }
  return d;
}

/** Compares the profiles of one file in two versions. */
export function diffFileProfiles(path: string, a: FileProfile, b: FileProfile): FileProfileDelta | null {
  if (a.kind === 'csv' && b.kind === 'csv') {
    const an = new Map(a.columns.map((c) => [c.name, c]));
    const bn = new Map(b.columns.map((c) => [c.name, c]));
    return {
      path,
      kind: 'csv',
      rows: delta(a.rows, b.rows),
      columnsAdded: b.columns.filter((c) => !an.has(c.name)).map((c) => c.name),
      columnsRemoved: a.columns.filter((c) => !bn.has(c.name)).map((c) => c.name),
      columns: b.columns.filter((c) => an.has(c.name)).map((c) => columnDelta(an.get(c.name), c, c.name)),
    };
  }
  if (a.kind === 'idx' && b.kind === 'idx') {
    const d: FileProfileDelta = { path, kind: 'idx', shapeFrom: a.shape, shapeTo: b.shape, rows: delta(a.shape[0], b.shape[0]) };
    if (a.labelHistogram || b.labelHistogram) {
      const keys = [...new Set([...Object.keys(a.labelHistogram ?? {}), ...Object.keys(b.labelHistogram ?? {})])].sort(
        (x, y) => Number(x) - Number(y),
      );
      d.labels = Object.fromEntries(keys.map((k) => [k, delta(a.labelHistogram?.[k] ?? 0, b.labelHistogram?.[k] ?? 0)]));
    }
    return d;
  }
  return null;
}

/** Files added, removed and changed between two versions, and how their profiles moved. */
export function diffDatasetVersions(store: ObjectStore, a: DatasetVersion, b: DatasetVersion): DatasetDiff {
  const ta = new Map(readTree(store, a.treeHash).entries.map((e) => [e.path, e]));
  const tb = new Map(readTree(store, b.treeHash).entries.map((e) => [e.path, e]));
  const diff: DatasetDiff = {
    from: `${a.name}@${a.version}`,
    to: `${b.name}@${b.version}`,
    added: [],
    removed: [],
    changed: [],
    unchanged: 0,
    files: delta(a.files, b.files),
    bytes: delta(a.bytes, b.bytes),
    profiles: [],
  };
  for (const [p, e] of tb) {
    const old = ta.get(p);
    if (!old) diff.added.push({ path: p, size: e.size });
    else if (old.hash !== e.hash) diff.changed.push({ path: p, sizeFrom: old.size, sizeTo: e.size });
    else diff.unchanged++;
  }
  for (const [p, e] of ta) if (!tb.has(p)) diff.removed.push({ path: p, size: e.size });
  for (const c of diff.changed) {
    const pa = a.profile?.files[c.path];
    const pb = b.profile?.files[c.path];
    const d = pa && pb ? diffFileProfiles(c.path, pa, pb) : null;
    if (d) diff.profiles.push(d);
  }
  return diff;
}
