import { readLock } from './lock-file.js';
import { openPathHasher } from './path-hasher.js';
import type { PipelineEnv } from './pipeline-env.js';
import type { Pipeline } from './load-pipeline.js';
import { paramsReader } from './params-file.js';
import { fingerprint, staleReasons, type StaleReason } from './stage-state.js';

/** One stage's state and, when stale, exactly why. */
export interface StageStatus {
  readonly stage: string;
  readonly state: 'up_to_date' | 'stale' | 'frozen';
  readonly reasons: readonly StaleReason[];
}

/** Compares every stage with `slipway.lock` (hashing through the stat cache, so unchanged files are not re-read). */
export async function pipelineStatus(env: PipelineEnv, pipeline: Pipeline): Promise<StageStatus[]> {
  const lock = readLock(env.lockPath, env.lockCachePath);
  const hasher = openPathHasher(env.root, env.statCache, env.dirCachePath);
  const read = paramsReader();
  const stale = new Set<string>();
  const out: StageStatus[] = [];
  try {
    const fps = await Promise.all(pipeline.order.map((n) => fingerprint(env.root, pipeline.stages.get(n)!, hasher, read, env.db)));
    for (let i = 0; i < pipeline.order.length; i++) {
      const name = pipeline.order[i]!;
      const stage = pipeline.stages.get(name)!;
      const entry = lock.stages[name];
      if (stage.frozen && entry) {
        out.push({ stage: name, state: 'frozen', reasons: [] });
        continue;
      }
      const reasons: StaleReason[] = [...(await staleReasons(stage, entry, fps[i]!, hasher))];
      for (const u of pipeline.upstream.get(name) ?? []) if (stale.has(u)) reasons.push({ kind: 'upstream_stale', stage: u });
      if (reasons.length > 0) stale.add(name);
      out.push({ stage: name, state: reasons.length > 0 ? 'stale' : 'up_to_date', reasons });
    }
  } finally {
    hasher.save();
  }
  return out;
}
