import { SlipwayError } from '../errors/index.js';
import { readLock, type LockOut } from './lock-file.js';
import type { Pipeline } from './load-pipeline.js';
import type { PipelineEnv } from './pipeline-env.js';
import { openPathHasher } from './path-hasher.js';
import { datasetInputsFor } from './stage-tracking.js';

/** A stage output as a registration source: its stored tree, the stage run that wrote it, and the data behind it. */
export interface StageOutputSource {
  readonly stage: string;
  /** Workspace-relative path of the output. */
  readonly path: string;
  /** Tree hash (a folder) or file hash (one file) of the output as the lock records it; its objects are in the store. */
  readonly hash: string;
  readonly type: 'file' | 'dir';
  /** The tracked stage run that produced it (null when the pipeline ran untracked). */
  readonly runId: string | null;
  /** Dataset versions read by this stage or any stage upstream of it, as the lock records them. */
  readonly datasets: readonly { readonly dataset: string; readonly version: number; readonly treeHash: string }[];
}

/**
 * Finds what stage `name` last produced at `outPath` (default: its only `outs:` folder/file), checks the workspace still
 * holds exactly that output, and collects the dataset versions upstream of it. MODEL_SOURCE_INVALID when the stage has
 * not run, the output is not cached, or the workspace copy differs from the lock (the stage is stale: run `repro`).
 */
export async function stageOutputSource(env: PipelineEnv, pipeline: Pipeline, name: string, outPath?: string): Promise<StageOutputSource> {
  const stage = pipeline.stages.get(name);
  if (!stage)
    throw new SlipwayError('STAGE_NOT_FOUND', `no stage "${name}" in slipway.yaml (stages: ${pipeline.order.join(', ') || 'none'})`, {
      stage: name,
    });
  const lock = readLock(env.lockPath, env.lockCachePath);
  const entry = lock.stages[name];
  if (!entry)
    throw new SlipwayError(
      'MODEL_SOURCE_INVALID',
      `stage "${name}" has not run yet (no entry in slipway.lock); run \`slipway repro ${name}\``,
      {
        stage: name,
      },
    );
  const outs = entry.outs.filter((o) =>
    outPath ? o.path === outPath.replace(/\/+$/, '') : stage.outs.some((s) => s.path === o.path && s.kind === 'out'),
  );
  if (outs.length !== 1)
    throw new SlipwayError(
      'MODEL_SOURCE_INVALID',
      outPath
        ? `stage "${name}" has no output "${outPath}" (outputs: ${entry.outs.map((o) => o.path).join(', ') || 'none'})`
        : `stage "${name}" has ${outs.length} outputs (${entry.outs.map((o) => o.path).join(', ')}); name the model one with --out PATH`,
      { stage: name },
    );
  const out: LockOut = outs[0]!;
  if (!out.cache || !env.store.has(out.hash))
    throw new SlipwayError(
      'MODEL_SOURCE_INVALID',
      `output "${out.path}" of stage "${name}" is not in the store (cache: false?); register it by path instead`,
      {
        stage: name,
        path: out.path,
      },
    );
  const hasher = openPathHasher(env.root, env.statCache, env.dirCachePath);
  try {
    const now = await hasher.hash(out.path);
    if (now?.hash !== out.hash)
      throw new SlipwayError(
        'MODEL_SOURCE_INVALID',
        `"${out.path}" in the workspace differs from what stage "${name}" recorded in slipway.lock; run \`slipway repro ${name}\` first`,
        { stage: name, path: out.path },
      );
  } finally {
    hasher.save();
  }
  return {
    stage: name,
    path: out.path,
    hash: out.hash,
    type: out.type,
    runId: entry.run_id ?? null,
    datasets: await upstreamDatasets(env, pipeline, name),
  };
}

/** Dataset versions recorded in the lock for `name` and every stage upstream of it (dataset deps, and folders equal to a version). */
async function upstreamDatasets(env: PipelineEnv, pipeline: Pipeline, name: string): Promise<StageOutputSource['datasets']> {
  const lock = readLock(env.lockPath, env.lockCachePath);
  const seen = new Set<string>();
  const found = new Map<string, { dataset: string; version: number; treeHash: string }>();
  const dirHashes: string[] = [];
  const visit = (n: string): void => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const d of lock.stages[n]?.deps ?? []) {
      if (d.dataset !== undefined && d.version !== undefined)
        found.set(`${d.dataset}@${d.version}`, { dataset: d.dataset, version: d.version, treeHash: d.hash });
      else if (d.type === 'dir') dirHashes.push(d.hash);
    }
    for (const u of pipeline.upstream.get(n) ?? []) visit(u);
  };
  visit(name);
  for (const m of await datasetInputsFor(env.db, dirHashes)) found.set(`${m.dataset}@${m.version}`, m);
  return [...found.values()];
}
