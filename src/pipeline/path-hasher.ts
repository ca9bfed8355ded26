import { readdirSync, statSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { encodeTree, sha256, sha256File, stampOf, type FileStamp, type StatCache, type TreeEntry } from '../store/index.js';

/** The hash of a dependency or output: a file's sha256 or a folder's tree hash (as the store computes them). */
export interface PathHash {
  readonly type: 'file' | 'dir';
  readonly hash: string;
  /** Bytes (a folder: total of its files). */
  readonly size: number;
  readonly nfiles: number;
  /** A folder's entries (the tree manifest), or the single file as one entry. */
  readonly entries: readonly TreeEntry[];
}

/** Hashes workspace paths, skipping unchanged files through the store's stat cache (DVC's state db). */
export interface PathHasher {
  /** Hash of a workspace-relative path; `undefined` when it does not exist. Memoised until `invalidate`. */
  hash(rel: string): Promise<PathHash | undefined>;
  /** Forgets memoised hashes at or under `rel` (after a stage wrote it). */
  invalidate(rel: string): void;
  /** Records a known hash for a file just written (e.g. restored from the store). */
  remember(absPath: string, hash: string): void;
  /** Writes newly learnt hashes to the stat cache (one transaction). */
  save(): void;
}

/** Opens a hasher for the folder `root`, backed by the store's stat cache (`openStatCache(<state>/stat-cache.db)`). */
export function openPathHasher(root: string, statCache: StatCache): PathHasher {
  let pending: { path: string; stamp: FileStamp; hash: string }[] = [];
  const memo = new Map<string, Promise<PathHash | undefined>>();
  const learnt = new Map<string, { stamp: FileStamp; hash: string }>();
  const learn = (path: string, stamp: FileStamp, hash: string): void => {
    pending.push({ path, stamp, hash });
    learnt.set(path, { stamp, hash });
  };
  const mode = (st: BigIntStats): number => (Number(st.mode) & 0o111 ? 0o755 : 0o644);

  const hashFile = async (abs: string, st: BigIntStats): Promise<string> => {
    const stamp = stampOf(st);
    const fresh = learnt.get(abs);
    if (fresh && fresh.stamp.inode === stamp.inode && fresh.stamp.mtimeNs === stamp.mtimeNs && fresh.stamp.size === stamp.size) return fresh.hash;
    const known = statCache.lookup(abs, stamp);
    if (known) return known;
    const { hash } = await sha256File(abs);
    learn(abs, stamp, hash);
    return hash;
  };

  const compute = async (rel: string): Promise<PathHash | undefined> => {
    const abs = rel === '.' ? root : join(root, rel);
    let st: BigIntStats;
    try {
      st = statSync(abs, { bigint: true });
    } catch {
      return undefined;
    }
    if (!st.isDirectory()) {
      const hash = await hashFile(abs, st);
      const name = rel.split('/').pop()!;
      const size = Number(st.size);
      return { type: 'file', hash, size, nfiles: 1, entries: [{ path: name, hash, size, mode: mode(st) }] };
    }
    const files: { path: string; abs: string; st: BigIntStats }[] = [];
    const walk = (d: string, prefix: string): void => {
      for (const ent of readdirSync(d, { withFileTypes: true })) {
        if (ent.name === '.slipway' || ent.name === '.git') continue;
        const full = join(d, ent.name);
        const p = prefix ? `${prefix}/${ent.name}` : ent.name;
        if (ent.isDirectory()) walk(full, p);
        else if (ent.isFile()) files.push({ path: p, abs: full, st: statSync(full, { bigint: true }) });
      }
    };
    walk(abs, '');
    const entries: TreeEntry[] = new Array(files.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        const i = next++;
        const f = files[i]!;
        entries[i] = { path: f.path, hash: await hashFile(f.abs, f.st), size: Number(f.st.size), mode: mode(f.st) };
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return { type: 'dir', hash: sha256(encodeTree(entries)), size: entries.reduce((a, e) => a + e.size, 0), nfiles: entries.length, entries };
  };

  return {
    hash(rel) {
      let p = memo.get(rel);
      if (!p) {
        p = compute(rel);
        memo.set(rel, p);
      }
      return p;
    },
    invalidate(rel) {
      for (const k of [...memo.keys()]) if (k === rel || k === '.' || k.startsWith(`${rel}/`) || rel.startsWith(`${k}/`)) memo.delete(k);
    },
    remember(absPath, hash) {
      learn(absPath, stampOf(statSync(absPath, { bigint: true })), hash);
    },
    save() {
      if (pending.length === 0) return;
      statCache.record(pending);
      pending = [];
    },
  };
}
