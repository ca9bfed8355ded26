import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { SlipwayError } from '../errors/index.js';
import { writeFileAtomic } from '../store/index.js';

/** The lock file's name, next to `slipway.yaml`. */
export const LOCK_FILE = 'slipway.lock';

/** A dependency as recorded: a file hash or a folder's tree hash. */
export interface LockDep {
  readonly path: string;
  readonly hash: string;
  readonly size: number;
  readonly nfiles: number;
  readonly type: 'file' | 'dir';
  /** A `dataset:` dependency: the dataset and the version it resolved to (its tree hash is `hash`). */
  readonly dataset?: string;
  readonly version?: number;
}

/** An output as recorded. */
export interface LockOut extends LockDep {
  readonly cache: boolean;
}

/** What the last successful execution of a stage read and wrote. */
export interface LockStage {
  readonly cmd: readonly string[];
  /** The stage cache key: sha256 of (cmd, dep hashes, params). */
  readonly key: string;
  readonly deps: readonly LockDep[];
  /** params file → dotted key → value. */
  readonly params: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly outs: readonly LockOut[];
  readonly run_id?: string;
}

/** The whole `slipway.lock`. */
export interface LockFile {
  readonly schema: '1';
  readonly stages: Readonly<Record<string, LockStage>>;
}

/**
 * Reads `slipway.lock`; an absent file is an empty lock. With `cachePath`, a JSON copy keyed by the file's
 * (inode, mtime, ctime, size) skips YAML parsing when the lock has not changed (parsing dominates a no-op `status`).
 */
export function readLock(path: string, cachePath?: string): LockFile {
  if (!existsSync(path)) return { schema: '1', stages: {} };
  const st = statSync(path);
  const stamp = `${st.ino}:${st.mtimeMs}:${st.ctimeMs}:${st.size}`;
  if (cachePath) {
    try {
      const cached = JSON.parse(readFileSync(cachePath, 'utf8')) as { stamp: string; lock: LockFile };
      if (cached.stamp === stamp) return cached.lock;
    } catch {
      /* no or damaged cache: parse the YAML */
    }
  }
  let value: unknown;
  try {
    value = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SlipwayError(
      'PIPELINE_INVALID',
      `${path} is not valid YAML (${(e as Error).message.split('\n')[0]}); delete it and run \`slipway repro\``,
      { path },
    );
  }
  const v = (value ?? {}) as Partial<LockFile>;
  if (typeof v !== 'object' || (v.stages !== undefined && typeof v.stages !== 'object'))
    throw new SlipwayError('PIPELINE_INVALID', `${path} is not a Slipway lock file; delete it and run \`slipway repro\``, { path });
  const lock: LockFile = { schema: '1', stages: v.stages ?? {} };
  if (cachePath) {
    try {
      // Only a cache: temp + rename without fsync is enough (a torn cache fails to parse and is ignored).
      mkdirSync(dirname(cachePath), { recursive: true });
      const tmp = `${cachePath}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ stamp, lock }));
      renameSync(tmp, cachePath);
    } catch {
      /* a read-only state folder only costs speed */
    }
  }
  return lock;
}

/** Writes the lock atomically (temp file, fsync, rename): a reader sees the old or the new file, never half of one. */
export function writeLock(path: string, lock: LockFile): void {
  const ordered: Record<string, LockStage> = {};
  for (const name of Object.keys(lock.stages).sort()) ordered[name] = lock.stages[name]!;
  writeFileAtomic(path, stringify({ schema: '1', stages: ordered }, { lineWidth: 0 }));
}
