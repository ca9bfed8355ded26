import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';
import type { LockStage } from './lock-file.js';
import type { PathHasher } from './path-hasher.js';
import { lookupRunCache, type RunCacheEntry } from './run-cache.js';
import type { Stage } from './stage-model.js';
import { canRestore } from './stage-outputs.js';
import { staleReasons, type StageFingerprint, type StaleReason } from './stage-state.js';

/** What to do with one stage, and why. */
export interface StageDecision {
  /** frozen: locked, not run (reasons say what changed); up_to_date: nothing changed; restore: from the run cache; run: execute it. */
  readonly action: 'frozen' | 'up_to_date' | 'restore' | 'run';
  readonly reasons: readonly StaleReason[];
  /** The run-cache entry to restore (action `restore`). */
  readonly cached?: RunCacheEntry;
}

/** Options of `decideStage`. */
export interface DecideStageOptions {
  /** Run even when up to date, and do not restore from the run cache. */
  readonly force?: boolean | undefined;
  /** Upstream stages that will run first (a dry run): they make this stage stale and its cache key unknown yet. */
  readonly upstreamStale?: readonly string[];
}

/**
 * Decides a stage's fate from its lock entry and current fingerprint: frozen, up to date, restorable from the run
 * cache, or to run. The one decision behind `repro` and `repro --dry-run`.
 */
export async function decideStage(
  db: Db,
  store: ObjectStore,
  stage: Stage,
  entry: LockStage | undefined,
  fp: StageFingerprint,
  hasher: PathHasher,
  opts: DecideStageOptions = {},
): Promise<StageDecision> {
  const upstream = opts.upstreamStale ?? [];
  const reasons: StaleReason[] = opts.force ? [] : [...(await staleReasons(stage, entry, fp, hasher))];
  for (const u of upstream) reasons.push({ kind: 'upstream_stale', stage: u });
  if (!opts.force && stage.frozen && entry) return { action: 'frozen', reasons };
  if (!opts.force && reasons.length === 0) return { action: 'up_to_date', reasons };
  if (!opts.force && !stage.alwaysChanged && upstream.length === 0) {
    const hit = await lookupRunCache(db, fp.key);
    if (hit && canRestore(store, hit.outs)) return { action: 'restore', reasons, cached: hit };
  }
  return { action: 'run', reasons };
}
