import type { Db } from '../meta/index.js';
import type { LockOut } from './lock-file.js';

/** A run-cache entry: the outputs an earlier execution with the same cache key produced. */
export interface RunCacheEntry {
  readonly key: string;
  readonly stage: string;
  readonly outs: readonly LockOut[];
  readonly runId: string | null;
  readonly createdAt: number;
}

/** Looks up a cache key in the run cache (shared by every branch and experiment of the workspace). */
export async function lookupRunCache(db: Db, key: string): Promise<RunCacheEntry | undefined> {
  const row = await db.get<{ key: string; stage: string; outs_json: string; run_id: string | null; created_at: number | string }>(
    'SELECT key, stage, outs_json, run_id, created_at FROM run_cache WHERE key = ?',
    [key],
  );
  if (!row) return undefined;
  return {
    key: row.key,
    stage: row.stage,
    outs: JSON.parse(row.outs_json) as LockOut[],
    runId: row.run_id,
    createdAt: Number(row.created_at),
  };
}

/** Records the outputs of a successful execution under its cache key. */
export async function saveRunCache(db: Db, key: string, stage: string, outs: readonly LockOut[], runId: string | null): Promise<void> {
  await db.run(
    `INSERT INTO run_cache (key, stage, outs_json, run_id, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET stage = excluded.stage, outs_json = excluded.outs_json, run_id = excluded.run_id, created_at = excluded.created_at`,
    [key, stage, JSON.stringify(outs), runId, Date.now()],
  );
}
