import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, type BigIntStats, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  encodeTree,
  sha256,
  sha256File,
  stampOf,
  writeFileAtomic,
  type FileStamp,
  type StatCache,
  type TreeEntry,
} from '../store/index.js';

/** The hash of a dependency or output: a file's sha256 or a folder's tree hash (as the store computes them). */
export interface PathHash {
  readonly type: 'file' | 'dir';
  readonly hash: string;
  /** Bytes (a folder: total of its files). */
  readonly size: number;
  readonly nfiles: number;
}

/** A path hash with its tree manifest (a folder's entries, or the single file as one entry). */
export interface PathTree extends PathHash {
  readonly entries: readonly TreeEntry[];
}

/** Hashes workspace paths without re-reading unchanged files. */
export interface PathHasher {
  /** Hash of a workspace-relative path; `undefined` when it does not exist. Memoised until `invalidate`. */
  hash(rel: string): Promise<PathHash | undefined>;
  /** Hash with the tree entries (to store an output). Not memoised. */
  hashTree(rel: string): Promise<PathTree | undefined>;
  /** Forgets memoised hashes at or under `rel` (after a stage wrote it). */
  invalidate(rel: string): void;
  /** Records a known hash for a file just written (e.g. restored from the store). */
  remember(absPath: string, hash: string): void;
  /** Persists what was learnt (stat cache rows, folder summaries). */
  save(): void;
}

/** Small files are hashed with one synchronous read: far cheaper than a stream per file. */
const SYNC_HASH_MAX = 4 << 20;

interface DirSummary {
  /** sha256 over every file's (path, inode, mtime, ctime, size). */
  d: string;
  h: string;
  s: number;
  n: number;
}

/**
 * Opens a hasher for `root`. Two caches keep `status` fast on large dependency folders:
 *  - per file, the store's stat cache ((path, inode, mtime, size) → sha256, DVC's state db), so unchanged files are not read;
 *  - per folder (`dirCacheFile`), the digest of all its files' stats → its tree hash, so an unchanged folder of 10,000
 *    files costs 10,000 `stat` calls and one lookup instead of 10,000 lookups.
 */
export function openPathHasher(root: string, statCache: StatCache, dirCacheFile?: string): PathHasher {
  let pending: { path: string; stamp: FileStamp; hash: string }[] = [];
  const memo = new Map<string, Promise<PathHash | undefined>>();
  const learnt = new Map<string, { stamp: FileStamp; hash: string }>();
  let dirs: Record<string, DirSummary> = {};
  let dirsChanged = false;
  if (dirCacheFile && existsSync(dirCacheFile)) {
    try {
      dirs = JSON.parse(readFileSync(dirCacheFile, 'utf8')) as Record<string, DirSummary>;
    } catch {
      dirs = {}; // a damaged cache only costs re-hashing
    }
  }
  const learn = (path: string, stamp: FileStamp, hash: string): void => {
    pending.push({ path, stamp, hash });
    learnt.set(path, { stamp, hash });
  };
  const modeOf = (m: number | bigint): number => (Number(m) & 0o111 ? 0o755 : 0o644);

  const hashFile = async (abs: string): Promise<{ hash: string; st: BigIntStats }> => {
    const st = statSync(abs, { bigint: true });
    const stamp = stampOf(st);
    const fresh = learnt.get(abs);
    if (fresh && fresh.stamp.inode === stamp.inode && fresh.stamp.mtimeNs === stamp.mtimeNs && fresh.stamp.size === stamp.size)
      return { hash: fresh.hash, st };
    const known = statCache.lookup(abs, stamp);
    if (known) return { hash: known, st };
    const hash = st.size <= SYNC_HASH_MAX ? createHash('sha256').update(readFileSync(abs)).digest('hex') : (await sha256File(abs)).hash;
    learn(abs, stamp, hash);
    return { hash, st };
  };

  const walk = (abs: string): { path: string; abs: string; st: Stats }[] => {
    const files: { path: string; abs: string; st: Stats }[] = [];
    const rec = (d: string, prefix: string): void => {
      for (const ent of readdirSync(d, { withFileTypes: true })) {
        if (ent.name === '.slipway' || ent.name === '.git') continue;
        const full = join(d, ent.name);
        const p = prefix ? `${prefix}/${ent.name}` : ent.name;
        if (ent.isDirectory()) rec(full, p);
        else if (ent.isFile()) files.push({ path: p, abs: full, st: statSync(full) });
      }
    };
    rec(abs, '');
    return files;
  };

  const treeOf = async (files: readonly { path: string; abs: string }[]): Promise<PathTree> => {
    const entries: TreeEntry[] = new Array(files.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < files.length) {
        const i = next++;
        const f = files[i]!;
        const { hash, st } = await hashFile(f.abs);
        entries[i] = { path: f.path, hash, size: Number(st.size), mode: modeOf(st.mode) };
      }
    };
    await Promise.all(Array.from({ length: 4 }, lane));
    return {
      type: 'dir',
      hash: sha256(encodeTree(entries)),
      size: entries.reduce((a, e) => a + e.size, 0),
      nfiles: entries.length,
      entries,
    };
  };

  const compute = async (rel: string, withEntries: boolean): Promise<PathTree | PathHash | undefined> => {
    const abs = rel === '.' ? root : join(root, rel);
    let st: Stats;
    try {
      st = statSync(abs);
    } catch {
      return undefined;
    }
    if (!st.isDirectory()) {
      const { hash, st: bst } = await hashFile(abs);
      const size = Number(bst.size);
      return { type: 'file', hash, size, nfiles: 1, entries: [{ path: rel.split('/').pop()!, hash, size, mode: modeOf(bst.mode) }] };
    }
    const files = walk(abs);
    const digest = createHash('sha256');
    for (const f of files) digest.update(`${f.path}\0${f.st.ino}\0${f.st.mtimeMs}\0${f.st.ctimeMs}\0${f.st.size}\n`);
    const d = digest.digest('hex');
    const cached = dirs[abs];
    if (!withEntries && cached && cached.d === d) return { type: 'dir', hash: cached.h, size: cached.s, nfiles: cached.n };
    const tree = await treeOf(files);
    dirs[abs] = { d, h: tree.hash, s: tree.size, n: tree.nfiles };
    dirsChanged = true;
    return tree;
  };

  return {
    hash(rel) {
      let p = memo.get(rel);
      if (!p) {
        p = compute(rel, false);
        memo.set(rel, p);
      }
      return p;
    },
    hashTree: (rel) => compute(rel, true) as Promise<PathTree | undefined>,
    invalidate(rel) {
      for (const k of [...memo.keys()]) if (k === rel || k === '.' || k.startsWith(`${rel}/`) || rel.startsWith(`${k}/`)) memo.delete(k);
    },
    remember(absPath, hash) {
      learn(absPath, stampOf(statSync(absPath, { bigint: true })), hash);
    },
    save() {
      if (pending.length > 0) {
        statCache.record(pending);
        pending = [];
      }
      if (dirCacheFile && dirsChanged) {
        for (const k of Object.keys(dirs)) if (k.includes('/.slipway/exps/')) delete dirs[k]; // experiment copies are deleted after their run
        mkdirSync(dirname(dirCacheFile), { recursive: true });
        writeFileAtomic(dirCacheFile, JSON.stringify(dirs));
        dirsChanged = false;
      }
    },
  };
}
