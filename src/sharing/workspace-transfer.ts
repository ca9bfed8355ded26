import { chmodSync, constants, copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Db } from '../meta/index.js';
import {
  checkoutTree,
  looksLikeTree,
  pullObjects,
  pushObjects,
  readTree,
  walkReachable,
  withWriteLock,
  type ObjectStore,
  type Remote,
} from '../store/index.js';
import { SlipwayError } from '../errors/index.js';
import { exportPointers } from './pointer-files.js';
import { shareRoots, type ShareRoot } from './share-roots.js';

/** Options for push and pull of a whole workspace. */
export interface ShareOptions {
  /** NAME or NAME@N: only these dataset and model versions (default: everything). */
  targets?: readonly string[];
  /** Objects in flight at once (default 8). */
  concurrency?: number;
  onProgress?: (done: number, total: number, bytes: number) => void;
}

/** What a workspace push or pull did. */
export interface ShareReport {
  roots: number;
  transferred: number;
  skipped: number;
  bytes: number;
  /** Things that could not be moved because the source side lacks objects of them (label → how many objects). */
  incomplete: { label: string; missing: number }[];
  /** Pull only: `slipway.lock` outputs written into the workspace. */
  checkedOut: string[];
}

function remoteFailed(remote: Remote, e: unknown): SlipwayError {
  if (e instanceof SlipwayError) return e;
  return new SlipwayError('REMOTE_FAILED', `listing ${remote.url} failed: ${(e as Error).message}; check the remote and run again`, {
    url: remote.url,
  });
}

/**
 * Sends everything the workspace shares (dataset and model versions, run cache, `slipway.lock` outputs) to `remote`:
 * pointer files are written first (commit them), then only the objects the remote lacks travel, in parallel, each
 * verified by hash and landing atomically, so an interrupted push resumes where it stopped.
 */
export async function pushWorkspace(
  db: Db,
  store: ObjectStore,
  remote: Remote,
  root: string,
  opts: ShareOptions = {},
): Promise<ShareReport> {
  await exportPointers(db, root);
  const roots = await shareRoots(db, root, opts.targets);
  // Under the writer lock, so a concurrent gc cannot remove an object between the walk and its upload.
  return withWriteLock(store, () => pushRoots(store, remote, roots, opts));
}

async function pushRoots(store: ObjectStore, remote: Remote, roots: readonly ShareRoot[], opts: ShareOptions): Promise<ShareReport> {
  const objects = new Set<string>();
  const incomplete: ShareReport['incomplete'] = [];
  for (const r of roots) {
    const walk = walkReachable(store, new Map([[r.hash, [r.label]]]));
    for (const h of walk.reachable.keys()) objects.add(h);
    if (walk.missing.size > 0) incomplete.push({ label: r.label, missing: walk.missing.size });
  }
  const t = await pushObjects(store, remote, [...objects], { concurrency: opts.concurrency, onProgress: opts.onProgress });
  return { roots: roots.length, ...t, incomplete, checkedOut: [] };
}

/**
 * Fetches everything the workspace's pointer files and `slipway.lock` name (or only `targets`) from `remote`: trees
 * level by level, then their files, in parallel, verified by hash as they arrive and written atomically (an interrupted
 * pull resumes). Then writes `slipway.lock` outputs that are absent from the workspace (all of them with `force`).
 */
export async function pullWorkspace(
  db: Db,
  store: ObjectStore,
  remote: Remote,
  root: string,
  opts: ShareOptions & { force?: boolean; checkout?: boolean } = {},
): Promise<ShareReport> {
  const roots = await shareRoots(db, root, opts.targets);
  let have: Set<string>;
  try {
    have = await remote.list();
  } catch (e) {
    throw remoteFailed(remote, e);
  }
  return withWriteLock(store, async () => {
    const report: ShareReport = { roots: roots.length, transferred: 0, skipped: 0, bytes: 0, incomplete: [], checkedOut: [] };
    const unavailable = new Map<string, number>();
    const seen = new Set<string>();
    let frontier = [...new Set(roots.map((r) => r.hash))];
    let doneBefore = 0;
    while (frontier.length > 0) {
      const todo = frontier.filter((h) => store.has(h) || have.has(h));
      for (const h of frontier) if (!store.has(h) && !have.has(h)) unavailable.set(h, 1);
      const r = await pullObjects(store, remote, todo, {
        concurrency: opts.concurrency,
        onProgress: (d, t, b) => opts.onProgress?.(doneBefore + d, doneBefore + t, report.bytes + b),
      });
      doneBefore += r.transferred;
      report.transferred += r.transferred;
      report.skipped += r.skipped;
      report.bytes += r.bytes;
      for (const h of frontier) seen.add(h);
      const next = new Set<string>();
      for (const h of todo)
        if (looksLikeTree(store, h)) for (const e of readTree(store, h).entries) if (!seen.has(e.hash)) next.add(e.hash);
      frontier = [...next];
    }
    for (const r of roots) {
      const walk = walkReachable(store, new Map([[r.hash, [r.label]]]));
      if (walk.missing.size > 0) report.incomplete.push({ label: r.label, missing: walk.missing.size });
    }
    if (opts.checkout !== false) report.checkedOut = checkoutOutputs(store, root, roots, { force: opts.force });
    return report;
  });
}

/** Writes `slipway.lock` outputs into the workspace where they are absent (or always with `force`); returns their paths. */
export function checkoutOutputs(store: ObjectStore, root: string, roots: readonly ShareRoot[], opts: { force?: boolean } = {}): string[] {
  const done: string[] = [];
  for (const r of roots) {
    const o = r.out;
    if (r.kind !== 'output' || !o) continue;
    const abs = join(root, o.path);
    if (existsSync(abs) && !opts.force) continue;
    if (walkReachable(store, new Map([[o.hash, [r.label]]])).missing.size > 0) continue;
    rmSync(abs, { recursive: true, force: true });
    mkdirSync(dirname(abs), { recursive: true });
    if (o.type === 'file') {
      copyFileSync(store.pathOf(o.hash), abs, constants.COPYFILE_FICLONE);
      chmodSync(abs, 0o644);
    } else checkoutTree(store, o.hash, abs);
    done.push(o.path);
  }
  return done;
}

/** Where one shared thing stands: objects missing here (not pulled) and on the remote (not pushed). */
export interface RemoteStatusEntry {
  kind: ShareRoot['kind'];
  label: string;
  hash: string;
  /** Objects of it this store lacks (a missing tree counts 1: its entries are unknown until it is pulled). */
  missingLocal: number;
  /** Objects of it the remote lacks (among those known here). */
  missingRemote: number;
}

/** `slipway status --remote`: for every shared thing, what is missing locally and what is missing on the remote (like `dvc status -c`). */
export async function remoteStatus(db: Db, store: ObjectStore, remote: Remote, root: string): Promise<RemoteStatusEntry[]> {
  const roots = await shareRoots(db, root);
  let have: Set<string>;
  try {
    have = await remote.list();
  } catch (e) {
    throw remoteFailed(remote, e);
  }
  // One walk over all roots: shared trees (the same output in the lock and the run cache) are read once.
  const out: RemoteStatusEntry[] = [];
  const cache = new Map<string, { objects: string[]; missing: string[] }>();
  for (const r of roots) {
    let c = cache.get(r.hash);
    if (!c) {
      const walk = walkReachable(store, new Map([[r.hash, [r.label]]]));
      c = { objects: [...walk.reachable.keys()], missing: [...walk.missing.keys()] };
      cache.set(r.hash, c);
    }
    const missingRemote = c.objects.filter((h) => !have.has(h)).length + c.missing.filter((h) => !have.has(h)).length;
    out.push({ kind: r.kind, label: r.label, hash: r.hash, missingLocal: c.missing.length, missingRemote });
  }
  return out;
}
