import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
  copyFileSync,
  unlinkSync,
  constants,
  chmodSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { copyFile, open, rename, rm } from 'node:fs/promises';
import { SlipwayError } from '../errors/index.js';
import { isHash, sha256, sha256File } from './hash.js';

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
      }
      return hash;
    },
    async putFile(path) {
      const { hash, size } = await sha256File(path);
      store.putFileKnown(path, hash);
      return { hash, size };
    },
    putFileKnown(path, hash) {
      if (store.has(hash)) return;
      ensureDir(hash);
      copyFileAtomic(path, pathOf(hash));
    },
    async putFileKnownAsync(path, hash) {
      const dest = pathOf(hash);
      // existsSync is a single cheap stat; going through the thread pool would cost more than it saves.
      if (existsSync(dest)) return;
      ensureDir(hash);
      await copyFileAtomicAsync(path, dest);
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

/** Size in bytes of a stored object. */
export function objectSize(store: ObjectStore, hash: string): number {
  return statSync(store.pathOf(hash)).size;
}
