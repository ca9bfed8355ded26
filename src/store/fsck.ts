import { hashFiles } from './hash-pool.js';
import type { ObjectStore } from './object-store.js';
import { listObjects } from './object-walk.js';
import { walkReachable, type RootRefs } from './reachability.js';

/** One problem fsck found. */
export interface FsckProblem {
  kind: 'corrupt' | 'missing' | 'bad-tree';
  hash: string;
  /** For corrupt objects the hash of the bytes actually stored; for missing ones who referenced them. */
  detail: string;
}

/** The result of checking a store. */
export interface FsckReport {
  ok: boolean;
  checked: number;
  bytes: number;
  problems: FsckProblem[];
  /** Temp files of writes that were interrupted (harmless; `slipway gc` removes them). */
  tempFiles: string[];
}

/**
 * Re-hashes every object (in parallel) and checks that everything referenced by `roots` — and, transitively,
 * by their trees — is present. Orphan objects are not problems; leftover temp files are reported, not failed.
 */
export async function fsckStore(
  store: ObjectStore,
  roots: RootRefs,
  opts: { onProgress?: (done: number, total: number) => void } = {},
): Promise<FsckReport> {
  const { objects, tempFiles } = listObjects(store);
  const digests = await hashFiles(
    objects.map((h) => store.pathOf(h)),
    { onProgress: (done) => opts.onProgress?.(done, objects.length) },
  );
  const problems: FsckProblem[] = [];
  let bytes = 0;
  objects.forEach((h, i) => {
    const d = digests[i]!;
    bytes += d.size;
    if (d.hash !== h) problems.push({ kind: 'corrupt', hash: h, detail: `content hashes to ${d.hash}` });
  });
  const corrupt = new Set(problems.map((p) => p.hash));
  const walk = walkReachable(store, roots);
  for (const [h, by] of walk.missing) problems.push({ kind: 'missing', hash: h, detail: `referenced by ${by}` });
  for (const [h, why] of walk.badTrees) if (!corrupt.has(h)) problems.push({ kind: 'bad-tree', hash: h, detail: why });
  return { ok: problems.length === 0, checked: objects.length, bytes, problems, tempFiles };
}
