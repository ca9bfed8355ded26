import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
  copyFileSync,
  unlinkSync,
  constants,
  chmodSync,
  rmSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { copyFile, open, rename, rm, chmod } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { SlipwayError } from '../errors/index.js';
import { isHash, sha256, sha256File } from './hash.js';
import { eachLimit } from './each-limit.js';

/** Content-addressed immutable objects under `<root>/ab/cdef…`. */
export interface ObjectStore {
  readonly root: string;
  /** Path of an object's file (whether or not it exists). */
  pathOf(hash: string): string;
  has(hash: string): boolean;
  /** Stores bytes; returns their sha256. Idempotent. */
  putBytes(data: Uint8Array | string): string;
  /** Stores a file's content (hash first, then copy if absent); returns hash and size. */
  putFile(path: string): Promise<{ hash: string; size: number }>;
  /** Stores a file whose hash is already known (e.g. from the stat cache). */
  putFileKnown(path: string, hash: string): void;
  /** `putFileKnown` without blocking the event loop, so many files can be copied and fsynced concurrently. */
  putFileKnownAsync(path: string, hash: string): Promise<void>;
  /**
   * Stores many files with known hashes: copies the missing ones to temp names concurrently, makes them durable
   * with one filesystem sync (instead of one fsync each), then renames them into place and syncs again.
   * Returns how many objects were added.
   */
  putFilesKnown(
    items: readonly { path: string; hash: string }[],
    opts?: { onProgress?: (done: number, total: number) => void },
  ): Promise<number>;
  getBytes(hash: string): Buffer;
}

/** Writes `data` to `dest` atomically: temp file in the same folder, fsync, rename. */
export function writeFileAtomic(dest: string, data: Uint8Array | string, tmpDir?: string): void {
  const tmp = join(tmpDir ?? join(dest, '..'), `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, dest);
}

/** Copies `src` to `dest` atomically (temp, fsync, rename); tries a reflink clone first. */
function copyFileAtomic(src: string, dest: string): void {
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    copyFileSync(src, tmp, constants.COPYFILE_FICLONE);
    // Objects are read-only so a hardlinked checkout cannot be edited in place (which would corrupt the store).
    chmodSync(tmp, 0o444);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, dest);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
  }
}

/** Async `copyFileAtomic`: reflink-or-copy to a temp name, make read-only, fsync, rename. */
async function copyFileAtomicAsync(src: string, dest: string): Promise<void> {
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await copyFile(src, tmp, constants.COPYFILE_FICLONE);
    const fh = await open(tmp, 'r+');
    try {
      await fh.chmod(0o444);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(src))
      throw new SlipwayError('PATH_NOT_FOUND', `${src} disappeared while it was being added; run the command again`, { path: src });
    throw e;
  }
}

let syncfsWorks: boolean | undefined;
/** Flushes the whole filesystem holding `dir` (syncfs via coreutils `sync -f`); false where that is unavailable. */
function syncFilesystem(dir: string): boolean {
  if (syncfsWorks === false) return false;
  try {
    execFileSync('sync', ['-f', dir], { stdio: 'ignore', timeout: 120_000 });
    syncfsWorks = true;
  } catch {
    syncfsWorks = false;
  }
  return syncfsWorks;
}

async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Marks an object that a writer is storing again as young (like git's freshening of loose objects), so a concurrent
 * gc's grace period protects an old unreferenced object that is about to be referenced again. Best effort.
 */
function freshen(p: string): void {
  try {
    const now = new Date();
    utimesSync(p, now, now);
  } catch {
    /* a read-only store or an object owned by someone else: the gc lock still protects it */
  }
}

/** Opens (creating if needed) an object store rooted at `root`. */
export function openObjectStore(root: string): ObjectStore {
  mkdirSync(root, { recursive: true });
  const pathOf = (hash: string): string => {
    if (!isHash(hash)) throw new SlipwayError('OBJECT_NOT_FOUND', `"${hash}" is not a sha256 object id`, { hash });
    return join(root, hash.slice(0, 2), hash.slice(2));
  };
  const madeDirs = new Set<string>();
  const ensureDir = (hash: string): void => {
    const prefix = hash.slice(0, 2);
    if (madeDirs.has(prefix)) return;
    mkdirSync(join(root, prefix), { recursive: true });
    madeDirs.add(prefix);
  };
  const store: ObjectStore = {
    root,
    pathOf,
    has: (hash) => existsSync(pathOf(hash)),
    putBytes(data) {
      const hash = sha256(data);
      if (!store.has(hash)) {
        ensureDir(hash);
        writeFileAtomic(pathOf(hash), data);
      } else freshen(pathOf(hash));
      return hash;
    },
    async putFile(path) {
      const { hash, size } = await sha256File(path);
      store.putFileKnown(path, hash);
      return { hash, size };
    },
    putFileKnown(path, hash) {
      if (store.has(hash)) return freshen(pathOf(hash));
      ensureDir(hash);
      copyFileAtomic(path, pathOf(hash));
    },
    async putFileKnownAsync(path, hash) {
      const dest = pathOf(hash);
      // existsSync is a single cheap stat; going through the thread pool would cost more than it saves.
      if (existsSync(dest)) return freshen(dest);
      ensureDir(hash);
      await copyFileAtomicAsync(path, dest);
    },
    async putFilesKnown(items, opts = {}) {
      const seen = new Set<string>();
      const todo: { path: string; hash: string }[] = [];
      for (const it of items) {
        if (seen.has(it.hash)) continue;
        seen.add(it.hash);
        if (!existsSync(pathOf(it.hash))) todo.push(it);
        else freshen(pathOf(it.hash));
      }
      let done = 0;
      if (todo.length < 32) {
        await eachLimit(todo, 16, async (it) => {
          await store.putFileKnownAsync(it.path, it.hash);
          opts.onProgress?.(++done, todo.length);
        });
        return todo.length;
      }
      const tmps: string[] = new Array(todo.length);
      let renamed = 0;
      try {
        await eachLimit(todo, 16, async (it, i) => {
          ensureDir(it.hash);
          const tmp = `${pathOf(it.hash)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
          tmps[i] = tmp;
          try {
            await copyFile(it.path, tmp, constants.COPYFILE_FICLONE);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(it.path))
              throw new SlipwayError('PATH_NOT_FOUND', `${it.path} disappeared while it was being added; run the command again`, {
                path: it.path,
              });
            throw e;
          }
          await chmod(tmp, 0o444);
          opts.onProgress?.(++done, todo.length);
        });
        // Contents must be durable before any object name points at them; one syncfs beats thousands of fsyncs.
        if (!syncFilesystem(root)) await eachLimit(tmps, 16, fsyncPath);
        for (; renamed < todo.length; renamed++) renameSync(tmps[renamed]!, pathOf(todo[renamed]!.hash));
        syncFilesystem(root);
      } finally {
        for (let i = renamed; i < tmps.length; i++) if (tmps[i]) rmSync(tmps[i]!, { force: true });
      }
      return todo.length;
    },
    getBytes(hash) {
      const p = pathOf(hash);
      if (!existsSync(p))
        throw new SlipwayError('OBJECT_NOT_FOUND', `object ${hash} is not in the store (run \`slipway data pull\` or \`slipway fsck\`)`, {
          hash,
        });
      return readFileSync(p);
    },
  };
  return store;
}
