import { statSync } from 'node:fs';
import { posix, normalize, sep, resolve } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import type { ObjectStore } from './object-store.js';
import { listFilesDetailed, putTree, type SkippedPath, type TreeEntry } from './tree.js';
import { hashFiles } from './hash-pool.js';
import { stampOf, type StatCache, type FileStamp } from './stat-cache.js';

/** Options for adding a file or folder to the store. */
export interface AddPathOptions {
  /** Skips hashing files whose (path, inode, mtime, size) are unchanged since they were last hashed. */
  statCache?: StatCache;
  /** Progress of the hashing phase (files and bytes). */
  onHashProgress?: (done: number, total: number, bytes: number) => void;
  /** Progress of the copy-into-store phase. */
  onStoreProgress?: (done: number, total: number) => void;
  /** Worker threads for hashing (default: all cores for big jobs). */
  workers?: number;
}

/** What adding a path stored. */
export interface AddPathResult {
  hash: string;
  entries: TreeEntry[];
  /** Files that were hashed (not served by the stat cache). */
  hashed: number;
  /** Entries that could not be added (dangling or looping symlinks); callers warn about them. */
  skipped: SkippedPath[];
}

/**
 * Stores every file under `path` (a file or a folder) and its tree. Files are hashed in parallel (unless the stat
 * cache knows them), then copied into the store concurrently, each atomically; the tree is written last, so an
 * interrupted add leaves only complete, unreferenced objects behind.
 */
export async function addPathToStore(store: ObjectStore, path: string, opts: AddPathOptions = {}): Promise<AddPathResult> {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new SlipwayError('PATH_NOT_FOUND', `${path} does not exist; pass a file or folder to add`, { path });
  }
  const listing = st.isDirectory() ? listFilesDetailed(path) : undefined;
  const files = listing
    ? listing.files.map((rel) => ({ rel, full: resolve(path, rel) }))
    : [{ rel: posix.basename(normalize(path).split(sep).join('/')), full: resolve(path) }];
  const stamps: FileStamp[] = [];
  const modes: number[] = [];
  const hashes: (string | undefined)[] = [];
  const statTime = Date.now();
  // Synchronous stats: for many small files one lstat each on this thread beats queueing them on libuv's pool.
  files.forEach((f, i) => {
    const s = statSync(f.full, { bigint: true });
    stamps[i] = stampOf(s);
    modes[i] = Number(s.mode) & 0o111 ? 0o755 : 0o644;
    hashes[i] = opts.statCache?.lookup(f.full, stamps[i]!);
  });
  const todo = files.map((_, i) => i).filter((i) => hashes[i] === undefined);
  const digests = await hashFiles(
    todo.map((i) => files[i]!.full),
    { workers: opts.workers, onProgress: (done, bytes) => opts.onHashProgress?.(done, todo.length, bytes) },
  );
  todo.forEach((fileIdx, k) => {
    const d = digests[k]!;
    if (BigInt(d.size) !== stamps[fileIdx]!.size)
      throw new SlipwayError('PATH_NOT_FOUND', `${files[fileIdx]!.full} changed while it was being added; run the command again`, {
        path: files[fileIdx]!.full,
      });
    hashes[fileIdx] = d.hash;
  });
  await store.putFilesKnown(
    files.map((f, i) => ({ path: f.full, hash: hashes[i]! })),
    { onProgress: opts.onStoreProgress },
  );
  // Record hashes only after their objects are safely in the store.
  opts.statCache?.record(
    todo.map((i) => ({ path: files[i]!.full, stamp: stamps[i]!, hash: hashes[i]! })),
    statTime,
  );
  const entries: TreeEntry[] = files.map((f, i) => ({ path: f.rel, hash: hashes[i]!, size: Number(stamps[i]!.size), mode: modes[i]! }));
  return { hash: putTree(store, entries), entries, hashed: todo.length, skipped: listing?.skipped ?? [] };
}
