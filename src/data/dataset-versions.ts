import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import type { Db } from '../meta/index.js';
import {
  addPathToStore,
  checkoutTree,
  withWriteLock,
  type LinkType,
  type ObjectStore,
  type SkippedPath,
  type StatCache,
} from '../store/index.js';
import { parseDatasetRef, assertDatasetName, type DatasetRef } from './dataset-ref.js';
import { datasetExists, findDatasetVersion, insertDatasetVersion, type DatasetVersion } from './dataset-repository.js';
import { profileFiles } from './profile.js';

/** Options for `addDataset`. */
export interface AddDatasetOptions {
  /** The file or folder to version. */
  path: string;
  name: string;
  message?: string;
  statCache?: StatCache;
  onHashProgress?: (done: number, total: number, bytes: number) => void;
  onStoreProgress?: (done: number, total: number) => void;
}

/** What `addDataset` did: the version (new, or the latest when nothing changed). */
export interface AddDatasetResult {
  version: DatasetVersion;
  created: boolean;
  /** Files hashed (the rest came from the stat cache). */
  hashed: number;
  /** Entries that were not added (dangling or looping symlinks); the CLI warns about each. */
  skipped: SkippedPath[];
}

/**
 * Versions a file or folder as dataset `name`: stores its objects and tree, profiles its CSV/IDX files and records
 * `name@N` — a new version only when the tree hash differs from the latest. The database row is written last, in
 * one transaction, so an interrupted add leaves no version pointing at missing objects.
 */
export async function addDataset(db: Db, store: ObjectStore, opts: AddDatasetOptions): Promise<AddDatasetResult> {
  assertDatasetName(opts.name);
  // The writer lock spans storing objects and committing the version row: a concurrent gc waits instead of dropping them.
  return withWriteLock(store, () => addDatasetLocked(db, store, opts));
}

async function addDatasetLocked(db: Db, store: ObjectStore, opts: AddDatasetOptions): Promise<AddDatasetResult> {
  const { hash, entries, hashed, skipped } = await addPathToStore(store, opts.path, {
    statCache: opts.statCache,
    onHashProgress: opts.onHashProgress,
    onStoreProgress: opts.onStoreProgress,
  });
  if (entries.length === 0)
    throw new SlipwayError('DATA_EMPTY', `${opts.path} holds no files; add a folder with files in it`, { path: opts.path });
  const latest = await findDatasetVersion(db, opts.name);
  if (latest && latest.treeHash === hash) return { version: latest, created: false, hashed, skipped };
  const isDir = statSync(opts.path).isDirectory();
  const profile = await profileFiles(
    entries.map((e) => ({ path: e.path, full: isDir ? resolve(opts.path, e.path) : resolve(opts.path), size: e.size })),
  );
  const version = await insertDatasetVersion(db, {
    name: opts.name,
    treeHash: hash,
    files: entries.length,
    bytes: entries.reduce((a, e) => a + e.size, 0),
    message: opts.message ?? null,
    profile,
  });
  return { version, created: true, hashed, skipped };
}

/** Resolves `name@N` (or `name`, the latest) to its version; DATASET_NOT_FOUND / DATASET_VERSION_NOT_FOUND otherwise. */
export async function getDatasetVersion(db: Db, ref: string | DatasetRef): Promise<DatasetVersion> {
  const r = typeof ref === 'string' ? parseDatasetRef(ref) : ref;
  const v = await findDatasetVersion(db, r.name, r.version);
  if (v) return v;
  if (r.version === undefined || !(await datasetExists(db, r.name)))
    throw new SlipwayError(
      'DATASET_NOT_FOUND',
      `no dataset named "${r.name}"; see \`slipway data list\` or add it with \`slipway data add PATH --name ${r.name}\``,
      {
        name: r.name,
      },
    );
  const latest = await findDatasetVersion(db, r.name);
  throw new SlipwayError(
    'DATASET_VERSION_NOT_FOUND',
    `dataset "${r.name}" has no version ${r.version} (latest is ${r.name}@${latest?.version ?? 0}); see \`slipway data show ${r.name}\``,
    { name: r.name, version: r.version },
  );
}

/** Materialises a dataset version into `dir` (reflink, else copy by default; links only when asked for). */
export async function checkoutDataset(
  db: Db,
  store: ObjectStore,
  ref: string | DatasetRef,
  dir: string,
  opts: { link?: readonly LinkType[] } = {},
): Promise<DatasetVersion> {
  const v = await getDatasetVersion(db, ref);
  checkoutTree(store, v.treeHash, dir, opts);
  return v;
}
