import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SlipwayError } from '../errors/index.js';
import type { ObjectStore } from './object-store.js';
import { listObjects, tempFilePid } from './object-walk.js';

/** Releases a lock taken with `acquireWriteLock` or `acquireGcLock` (idempotent). */
export type ReleaseLock = () => void;

/** Options for taking a store lock. */
export interface StoreLockOptions {
  /** How long to wait for the other side before failing with STORE_LOCKED (default 10 minutes). */
  timeoutMs?: number;
}

const GC_FILE = 'gc';
const POLL_MS = 50;

/** True when a process with this id is running (EPERM: running, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockDir(store: ObjectStore): string {
  const d = join(store.root, '.locks');
  mkdirSync(d, { recursive: true });
  return d;
}

function ownerPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of a live gc holding the lock; a lock left by a dead gc is removed. */
function liveGc(dir: string): number | undefined {
  const p = join(dir, GC_FILE);
  const pid = ownerPid(p);
  if (pid === undefined) return undefined;
  if (pid !== process.pid && !processAlive(pid)) {
    rmSync(p, { force: true });
    return undefined;
  }
  return pid;
}

/** Live writers (other than this process's own lock files); files of dead writers are removed. */
function liveWriters(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync(dir)) {
    const m = /^w-(\d+)-[0-9a-f]+$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) out.push(pid);
    else rmSync(join(dir, name), { force: true });
  }
  return out;
}

/** Removes temp files of writers that are no longer running (a killed `data add` or `pull`): the next writer cleans up. */
export function removeDeadTempFiles(store: ObjectStore): string[] {
  const removed: string[] = [];
  for (const t of listObjects(store).tempFiles) {
    const pid = tempFilePid(t);
    if (pid === undefined || pid === process.pid || processAlive(pid)) continue;
    rmSync(t, { force: true });
    removed.push(t);
  }
  return removed;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the shared writer lock that `gc` respects: while any writer holds it, gc waits; while gc runs, writers wait.
 * Hold it from the first object written until the database row (or pointer file) that references them is committed.
 * Also removes temp files that killed writers left behind.
 */
export async function acquireWriteLock(store: ObjectStore, opts: StoreLockOptions = {}): Promise<ReleaseLock> {
  const dir = lockDir(store);
  const mine = join(dir, `w-${process.pid}-${randomBytes(6).toString('hex')}`);
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  for (;;) {
    // Announce first, then look for gc: gc announces first, then looks for writers, so one of the two always sees the other.
    writeFileSync(mine, String(process.pid));
    const gc = liveGc(dir);
    if (gc === undefined) break;
    rmSync(mine, { force: true });
    if (Date.now() >= deadline)
      throw new SlipwayError(
        'STORE_LOCKED',
        `\`slipway gc\` (pid ${gc}) holds the store; wait for it to finish and run the command again`,
        {
          pid: gc,
        },
      );
    await sleep(POLL_MS);
  }
  removeDeadTempFiles(store);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    rmSync(mine, { force: true });
  };
}

/** Takes the exclusive gc lock: fails at once when another gc runs, then waits until no writer holds the store. */
export async function acquireGcLock(store: ObjectStore, opts: StoreLockOptions = {}): Promise<ReleaseLock> {
  const dir = lockDir(store);
  const path = join(dir, GC_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const other = liveGc(dir);
      if (other !== undefined || attempt > 3)
        throw new SlipwayError('STORE_LOCKED', `another \`slipway gc\` (pid ${other ?? '?'}) is running; wait for it to finish`, {
          pid: other,
        });
    }
  }
  const release: ReleaseLock = () => rmSync(path, { force: true });
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  for (;;) {
    const writers = liveWriters(dir);
    if (writers.length === 0) return release;
    if (Date.now() >= deadline) {
      release();
      throw new SlipwayError(
        'STORE_LOCKED',
        `writers (pid ${writers.join(', ')}) are adding to the store; run \`slipway gc\` again when they finish`,
        { pids: writers },
      );
    }
    await sleep(POLL_MS);
  }
}

/** Runs `fn` holding the writer lock. */
export async function withWriteLock<T>(store: ObjectStore, fn: () => Promise<T>, opts: StoreLockOptions = {}): Promise<T> {
  const release = await acquireWriteLock(store, opts);
  try {
    return await fn();
  } finally {
    release();
  }
}
