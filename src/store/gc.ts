import { rmSync, statSync } from 'node:fs';
import type { ObjectStore } from './object-store.js';
import { listObjects, tempFilePid } from './object-walk.js';
import { walkReachable, type RootRefs } from './reachability.js';
import { processAlive as alive } from './store-lock.js';

/** What gc removed (or would remove, with dryRun). */
export interface GcReport {
  dryRun: boolean;
  kept: number;
  removed: { hash: string; size: number }[];
  removedBytes: number;
  tempFilesRemoved: string[];
  /** Referenced objects that are missing (gc never fails on them; fsck reports them). */
  missing: number;
  /** Unreferenced objects kept because they are younger than the grace period (a writer may be about to refer to them). */
  young: number;
}

/** Options for `gcStore`. */
export interface GcOptions {
  dryRun?: boolean;
  /**
   * Unreferenced objects modified less than this long ago are kept (git's gc.pruneExpire): a writer that stored
   * objects but has not yet committed the version that refers to them loses nothing. Default two weeks; 0 prunes now.
   */
  pruneExpireMs?: number;
  now?: number;
}

/** Two weeks, git's default for gc.pruneExpire. */
export const DEFAULT_PRUNE_EXPIRE_MS = 14 * 86_400_000;

/**
 * Removes every object not reachable from `roots` (trees keep their entries, transitively), and temp files left
 * by writers that are no longer running, keeping unreferenced objects younger than the grace period. With `dryRun`
 * nothing is deleted. Callers hold the gc lock (`acquireGcLock`) so no writer runs meanwhile.
 */
export function gcStore(store: ObjectStore, roots: RootRefs, opts: GcOptions = {}): GcReport {
  const cutoff = (opts.now ?? Date.now()) - (opts.pruneExpireMs ?? DEFAULT_PRUNE_EXPIRE_MS);
  const walk = walkReachable(store, roots);
  const { objects, tempFiles } = listObjects(store);
  const report: GcReport = {
    dryRun: Boolean(opts.dryRun),
    kept: 0,
    removed: [],
    removedBytes: 0,
    tempFilesRemoved: [],
    missing: walk.missing.size,
    young: 0,
  };
  for (const h of objects) {
    if (walk.reachable.has(h)) {
      report.kept++;
      continue;
    }
    const p = store.pathOf(h);
    const st = statSync(p);
    if (st.mtimeMs > cutoff) {
      report.young++;
      continue;
    }
    const size = st.size;
    report.removed.push({ hash: h, size });
    report.removedBytes += size;
    if (!opts.dryRun) rmSync(p, { force: true });
  }
  for (const t of tempFiles) {
    const pid = tempFilePid(t);
    // A temp file of a live writer is a write in progress, not debris.
    if (pid !== undefined && pid !== process.pid && alive(pid)) continue;
    report.tempFilesRemoved.push(t);
    if (!opts.dryRun) rmSync(t, { force: true });
  }
  return report;
}
