import type { Db } from '../meta/index.js';
import type { TensorSpec } from '../engine/signature.js';
import { sameSignature } from '../engine/signature.js';
import { resolveVersion } from './resolve-model.js';
import type { ModelRef } from './model-ref.js';
import type { LineageDataset, ModelVersion } from './types.js';

/** One changed key: its value on each side (undefined where absent). */
export interface DiffEntry<T> {
  readonly key: string;
  readonly a: T | undefined;
  readonly b: T | undefined;
  /** b − a for numbers present on both sides. */
  readonly delta?: number;
}

/** What differs between two model versions. */
export interface VersionDiff {
  readonly a: { readonly name: string; readonly version: number };
  readonly b: { readonly name: string; readonly version: number };
  readonly metrics: readonly DiffEntry<number>[];
  readonly params: readonly DiffEntry<string>[];
  readonly data: { readonly onlyA: readonly LineageDataset[]; readonly onlyB: readonly LineageDataset[] };
  readonly signature: { readonly same: boolean; readonly a: readonly TensorSpec[][]; readonly b: readonly TensorSpec[][] };
  readonly format: { readonly a: string; readonly b: string };
  readonly sameArtifact: boolean;
}

function diffMaps<T>(a: Readonly<Record<string, T>>, b: Readonly<Record<string, T>>, all: boolean): DiffEntry<T>[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const out: DiffEntry<T>[] = [];
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if (!all && x === y) continue;
    const e: DiffEntry<T> = typeof x === 'number' && typeof y === 'number' ? { key, a: x, b: y, delta: y - x } : { key, a: x, b: y };
    out.push(e);
  }
  return out;
}

/** Compares two versions: every metric (with deltas), changed params, datasets only on one side, and signatures. */
export async function diffVersions(
  db: Db,
  refA: string | ModelRef | ModelVersion,
  refB: string | ModelRef | ModelVersion,
): Promise<VersionDiff> {
  const a = await resolveVersion(db, refA);
  const b = await resolveVersion(db, refB);
  const key = (d: LineageDataset): string => `${d.dataset}@${d.version}`;
  const inB = new Set(b.lineage.datasets.map(key));
  const inA = new Set(a.lineage.datasets.map(key));
  return {
    a: { name: a.name, version: a.version },
    b: { name: b.name, version: b.version },
    metrics: diffMaps(a.metrics, b.metrics, true),
    params: diffMaps(a.params, b.params, false),
    data: { onlyA: a.lineage.datasets.filter((d) => !inB.has(key(d))), onlyB: b.lineage.datasets.filter((d) => !inA.has(key(d))) },
    signature: {
      same: sameSignature(a.signature, b.signature),
      a: [[...a.signature.inputs], [...a.signature.outputs]],
      b: [[...b.signature.inputs], [...b.signature.outputs]],
    },
    format: { a: a.format, b: b.format },
    sameArtifact: a.treeHash === b.treeHash,
  };
}
