import { rmSync, chmodSync } from 'node:fs';
import type { ObjectStore } from './object-store.js';
import type { FsckReport } from './fsck.js';
import type { Remote } from './remote.js';
import { pullClosure } from './transfer.js';
import { walkReachable, type RootRefs } from './reachability.js';
import { withWriteLock } from './store-lock.js';

/** What `repairStore` fixed and what it could not. */
export interface RepairReport {
  /** Objects fetched again from the remote (corrupt ones replaced, missing ones restored). */
  repaired: string[];
  /** Objects still corrupt or missing (the remote lacks them too). */
  unrepaired: { hash: string; reason: string }[];
}

/**
 * Repairs what fsck found: corrupt objects are removed and fetched again from `remote` (verified by hash as they
 * arrive), missing ones are fetched, and trees that arrive bring their missing entries too.
 */
export async function repairStore(
  store: ObjectStore,
  remote: Remote,
  report: FsckReport,
  roots: RootRefs,
  opts: { concurrency?: number } = {},
): Promise<RepairReport> {
  return withWriteLock(store, async () => {
    const wanted = new Set<string>();
    const have = await remote.list();
    for (const p of report.problems) {
      // A damaged object is only replaced when the remote has a good copy; otherwise it stays for inspection.
      if ((p.kind === 'corrupt' || p.kind === 'bad-tree') && have.has(p.hash)) {
        const path = store.pathOf(p.hash);
        try {
          chmodSync(path, 0o644);
        } catch {
          /* already gone */
        }
        rmSync(path, { force: true });
      }
      wanted.add(p.hash);
    }
    const out: RepairReport = { repaired: [], unrepaired: [] };
    const fetchable = [...wanted].filter((h) => have.has(h));
    // pullClosure walks into trees that arrive, so entries missing below a repaired tree come back too.
    await pullClosure(store, remote, fetchable, { concurrency: opts.concurrency });
    const after = walkReachable(store, roots);
    const stillCorrupt = new Set(report.problems.filter((p) => p.kind !== 'missing' && !have.has(p.hash)).map((p) => p.hash));
    for (const h of wanted) {
      if (store.has(h) && !stillCorrupt.has(h)) out.repaired.push(h);
      else out.unrepaired.push({ hash: h, reason: have.has(h) ? 'fetch failed' : `remote ${remote.url} does not have it either` });
    }
    for (const [h, by] of after.missing)
      if (!wanted.has(h)) out.unrepaired.push({ hash: h, reason: `still missing (referenced by ${by}); remote lacks it` });
    return out;
  });
}
