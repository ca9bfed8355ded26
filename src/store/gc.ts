import { rmSync, statSync } from 'node:fs';
import type { ObjectStore } from './object-store.js';
import { listObjects, tempFilePid } from './object-walk.js';
import { walkReachable, type RootRefs } from './reachability.js';

/** What gc removed (or would remove, with dryRun). */
export interface GcReport {
  dryRun: boolean;
  kept: number;
  removed: { hash: string; size: number }[];
  removedBytes: number;
  tempFilesRemoved: string[];
  /** Referenced objects that are missing (gc never fails on them; fsck reports them). */
  missing: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes every object not reachable from `roots` (trees keep their entries, transitively), and temp files left
 * by writers that are no longer running. With `dryRun` nothing is deleted.
 */
export function gcStore(store: ObjectStore, roots: RootRefs, opts: { dryRun?: boolean } = {}): GcReport {
  const walk = walkReachable(store, roots);
  const { objects, tempFiles } = listObjects(store);
  const report: GcReport = {
    dryRun: Boolean(opts.dryRun),
    kept: 0,
    removed: [],
    removedBytes: 0,
    tempFilesRemoved: [],
    missing: walk.missing.size,
  };
  for (const h of objects) {
    if (walk.reachable.has(h)) {
      report.kept++;
      continue;
    }
    const p = store.pathOf(h);
    const size = statSync(p).size;
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
