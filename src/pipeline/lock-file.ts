import { existsSync, readFileSync } from 'node:fs';
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

/** Reads `slipway.lock`; an absent file is an empty lock. */
export function readLock(path: string): LockFile {
  if (!existsSync(path)) return { schema: '1', stages: {} };
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
  return { schema: '1', stages: v.stages ?? {} };
}

/** Writes the lock atomically (temp file, fsync, rename): a reader sees the old or the new file, never half of one. */
export function writeLock(path: string, lock: LockFile): void {
  const ordered: Record<string, LockStage> = {};
  for (const name of Object.keys(lock.stages).sort()) ordered[name] = lock.stages[name]!;
  writeFileAtomic(path, stringify({ schema: '1', stages: ordered }, { lineWidth: 0 }));
}
