import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findDatasetVersion, assertDatasetName, type DatasetVersion } from '../data/index.js';
import { SlipwayError } from '../errors/index.js';
import type { Db } from '../meta/index.js';
import { checkoutTree, readTree, type ObjectStore } from '../store/index.js';
import type { LockDep } from './lock-file.js';

/** The prefix that marks a stage dependency on a dataset version rather than a workspace path. */
export const DATASET_DEP_PREFIX = 'dataset:';

/** A dependency on a registered dataset: `dataset:NAME@latest` (follows new versions) or `dataset:NAME@N` (pinned). */
export interface DatasetDep {
  /** The dependency as written in `slipway.yaml` (and the key it has in `slipway.lock`). */
  readonly spec: string;
  readonly name: string;
  /** Undefined: the latest version. */
  readonly version?: number;
}

/** True when a `deps:` entry names a dataset version instead of a path. */
export function isDatasetDep(dep: string): boolean {
  return dep.startsWith(DATASET_DEP_PREFIX);
}

/** Parses `dataset:NAME`, `dataset:NAME@latest` or `dataset:NAME@N`; PIPELINE_INVALID otherwise. */
export function parseDatasetDep(spec: string, stage = '?'): DatasetDep {
  const body = spec.slice(DATASET_DEP_PREFIX.length);
  const at = body.lastIndexOf('@');
  const name = at < 0 ? body : body.slice(0, at);
  const v = at < 0 ? 'latest' : body.slice(at + 1);
  try {
    assertDatasetName(name);
  } catch {
    throw new SlipwayError(
      'PIPELINE_INVALID',
      `stages.${stage}.deps: "${spec}" does not name a dataset; write dataset:NAME@latest or dataset:NAME@3`,
      {
        stage,
        dep: spec,
      },
    );
  }
  if (v === 'latest') return { spec: `${DATASET_DEP_PREFIX}${name}@latest`, name };
  if (!/^[1-9]\d*$/.test(v))
    throw new SlipwayError(
      'PIPELINE_INVALID',
      `stages.${stage}.deps: "${spec}" has a bad version; use @latest or @N (a positive integer)`,
      {
        stage,
        dep: spec,
      },
    );
  return { spec: `${DATASET_DEP_PREFIX}${name}@${v}`, name, version: Number(v) };
}

/** The version a dataset dependency points at right now, or undefined when there is none (yet). */
export async function resolveDatasetDep(db: Db, dep: DatasetDep): Promise<DatasetVersion | undefined> {
  return findDatasetVersion(db, dep.name, dep.version);
}

/**
 * A dataset dependency as the lock records it: keyed by its spec, hashed by the version's tree hash (so a new version
 * with different content makes the stage stale, and re-adding identical bytes does not), with the version it resolved to.
 */
export function datasetLockDep(dep: DatasetDep, v: DatasetVersion): LockDep {
  return { path: dep.spec, hash: v.treeHash, size: v.bytes, nfiles: v.files, type: 'dir', dataset: v.name, version: v.version };
}

/**
 * Materialises the dataset versions a stage reads under `.slipway/datasets/NAME/N` (once per version, linked from the
 * store, read-only) and returns the environment that tells the command where they are:
 * `SLIPWAY_DATASET_<NAME>` (upper case, non-alphanumerics as `_`) is the file itself for a one-file dataset, else the folder.
 */
export function materialiseDatasets(store: ObjectStore, stateDir: string, deps: readonly LockDep[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const d of deps) {
    if (d.dataset === undefined || d.version === undefined) continue;
    const dir = join(stateDir, 'datasets', d.dataset, String(d.version));
    if (!existsSync(dir)) {
      // Checked out beside and renamed in, so a crash never leaves a half version that later runs would trust.
      const tmp = `${dir}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp, { recursive: true });
      checkoutTree(store, d.hash, tmp);
      renameSync(tmp, dir);
    }
    const entries = readTree(store, d.hash).entries;
    env[datasetEnvName(d.dataset)] = entries.length === 1 ? join(dir, ...entries[0]!.path.split('/')) : dir;
  }
  return env;
}

/** `breast-cancer` → `SLIPWAY_DATASET_BREAST_CANCER`. */
export function datasetEnvName(name: string): string {
  return `SLIPWAY_DATASET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
