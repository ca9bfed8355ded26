import { createReadStream, statSync } from 'node:fs';
import { SlipwayError } from '../errors/index.js';
import type { ObjectStore } from './object-store.js';
import { receiveObject } from './receive-object.js';
import type { Remote } from './remote.js';
import { looksLikeTree } from './object-walk.js';
import { readTree } from './tree.js';
import { pullFromFolder } from './pull-folder.js';

/** What a push or pull moved. */
export interface TransferReport {
  transferred: number;
  skipped: number;
  bytes: number;
}

/** Options for push and pull. */
export interface TransferOptions {
  /** Objects in flight at once (default 8). */
  concurrency?: number;
  onProgress?: (done: number, total: number, bytes: number) => void;
}

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const lane = async (): Promise<void> => {
    while (next < items.length && failed === undefined) {
      try {
        await fn(items[next++]!);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failed !== undefined) throw failed;
}

function remoteFailed(remote: Remote, e: unknown): SlipwayError {
  if (e instanceof SlipwayError) return e;
  return new SlipwayError('REMOTE_FAILED', `transfer with ${remote.url} failed: ${(e as Error).message}; run the command again to resume`, {
    url: remote.url,
  });
}

/** Every object that `roots` keep alive in the local store (roots plus, transitively, tree entries). */
export function closureOf(store: ObjectStore, roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const h = stack.pop()!;
    if (seen.has(h)) continue;
    seen.add(h);
    if (!store.has(h))
      throw new SlipwayError('OBJECT_NOT_FOUND', `object ${h} is not in the local store; pull it first or run \`slipway fsck\``, {
        hash: h,
      });
    if (looksLikeTree(store, h)) for (const e of readTree(store, h).entries) stack.push(e.hash);
  }
  return [...seen];
}

/** Sends the objects the remote lacks, in parallel; each lands atomically, so an interrupted push resumes on re-run. */
export async function pushObjects(
  store: ObjectStore,
  remote: Remote,
  hashes: readonly string[],
  opts: TransferOptions = {},
): Promise<TransferReport> {
  let have: Set<string>;
  try {
    have = await remote.list();
  } catch (e) {
    throw remoteFailed(remote, e);
  }
  const todo = [...new Set(hashes)].filter((h) => !have.has(h));
  return transferEach(remote, todo, hashes.length, opts, async (h) => {
    const p = store.pathOf(h);
    await remote.put(h, createReadStream(p, { highWaterMark: 1 << 20 }));
    return statSync(p).size;
  });
}

/** Fetches the given objects the local store lacks, in parallel, each verified and written atomically. */
export async function pullObjects(
  store: ObjectStore,
  remote: Remote,
  hashes: readonly string[],
  opts: TransferOptions = {},
): Promise<TransferReport> {
  const todo = [...new Set(hashes)].filter((h) => !store.has(h));
  // A folder remote with many objects: batched copy + parallel re-hash + one sync (see pull-folder.ts).
  if (remote.localPathOf && todo.length >= 64) {
    const r = await pullFromFolder(store, remote.localPathOf, todo, opts);
    return { transferred: r.transferred, skipped: hashes.length - todo.length, bytes: r.bytes };
  }
  return transferEach(remote, todo, hashes.length, opts, async (h) => receiveObject(store.pathOf(h), h, await remote.get(h)));
}

/** Moves each object of `todo` with `move` (returning its bytes), in parallel, counting and reporting progress. */
async function transferEach(
  remote: Remote,
  todo: readonly string[],
  asked: number,
  opts: TransferOptions,
  move: (hash: string) => Promise<number>,
): Promise<TransferReport> {
  const report: TransferReport = { transferred: 0, skipped: asked - todo.length, bytes: 0 };
  await pool(todo, opts.concurrency ?? 8, async (h) => {
    let n: number;
    try {
      // Awaited into a local first: `report.bytes += await …` would read the total before the await and lose updates.
      n = await move(h);
    } catch (e) {
      throw remoteFailed(remote, e);
    }
    report.bytes += n;
    report.transferred++;
    opts.onProgress?.(report.transferred, todo.length, report.bytes);
  });
  return report;
}

/** Pulls trees (level by level, since entries are only known once a tree is local) and then everything they hold. */
export async function pullClosure(
  store: ObjectStore,
  remote: Remote,
  roots: readonly string[],
  opts: TransferOptions = {},
): Promise<TransferReport> {
  const total: TransferReport = { transferred: 0, skipped: 0, bytes: 0 };
  const seen = new Set<string>();
  let frontier = [...new Set(roots)];
  while (frontier.length > 0) {
    const r = await pullObjects(store, remote, frontier, opts);
    total.transferred += r.transferred;
    total.skipped += r.skipped;
    total.bytes += r.bytes;
    for (const h of frontier) seen.add(h);
    const next = new Set<string>();
    for (const h of frontier)
      if (looksLikeTree(store, h)) for (const e of readTree(store, h).entries) if (!seen.has(e.hash)) next.add(e.hash);
    frontier = [...next];
  }
  return total;
}
