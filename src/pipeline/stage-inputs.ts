import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  closureOf,
  pushObjects,
  putTree,
  readTree,
  withWriteLock,
  type Remote,
  type TreeEntry,
  type TransferReport,
} from '../store/index.js';
import { datasetEnvName } from './dataset-deps.js';
import type { LockDep } from './lock-file.js';
import type { PathHasher } from './path-hasher.js';
import type { PipelineEnv } from './pipeline-env.js';
import type { Stage } from './stage-model.js';

/** A stage's inputs as one tree (workspace-relative paths) and the dataset paths its commands are given. */
export interface StageInputs {
  readonly tree: string;
  /** `SLIPWAY_DATASET_<NAME>` → the dataset's workspace-relative path inside the tree. */
  readonly pathEnv: Record<string, string>;
}

/**
 * Stores what a pod needs to run stages as one tree: the path deps (files and folders) that `produced` does not
 * hold, the params files, persistent outputs already present, and dataset versions under `.slipway/datasets/`.
 */
export async function stageInputs(
  env: PipelineEnv,
  stages: readonly Stage[],
  deps: readonly LockDep[],
  hasher: PathHasher,
  produced: ReadonlySet<string> = new Set(),
): Promise<StageInputs> {
  return withWriteLock(env.store, async () => {
    const entries = new Map<string, TreeEntry>();
    const pathEnv: Record<string, string> = {};
    const files: { path: string; hash: string }[] = [];
    const addPath = async (rel: string): Promise<void> => {
      if (produced.has(rel)) return;
      const h = await hasher.hashTree(rel);
      if (!h) return;
      const abs = join(env.root, rel);
      if (h.type === 'file') {
        entries.set(rel, { path: rel, hash: h.hash, size: h.size, mode: statSync(abs).mode & 0o777 });
        files.push({ path: abs, hash: h.hash });
      } else
        for (const e of h.entries) {
          const path = rel === '.' ? e.path : `${rel}/${e.path}`;
          entries.set(path, { ...e, path });
          files.push({ path: join(env.root, ...path.split('/')), hash: e.hash });
        }
    };
    for (const d of deps) {
      if (d.dataset === undefined || d.version === undefined) await addPath(d.path);
      else {
        // Already in the store (a dataset version is a tree there); only its place in the pod's workspace is new.
        const prefix = `.slipway/datasets/${d.dataset}/${d.version}`;
        const inner = readTree(env.store, d.hash).entries;
        for (const e of inner) entries.set(`${prefix}/${e.path}`, { ...e, path: `${prefix}/${e.path}` });
        pathEnv[datasetEnvName(d.dataset)] = inner.length === 1 ? `${prefix}/${inner[0]!.path}` : prefix;
      }
    }
    for (const s of stages) {
      for (const p of s.params) await addPath(p.file);
      for (const o of s.outs) if (o.persist) await addPath(o.path);
    }
    await env.store.putFilesKnown(files.filter((f) => !env.store.has(f.hash)));
    return { tree: putTree(env.store, [...entries.values()]), pathEnv };
  });
}

/** Sends a tree and everything in it to the remote (only what the remote lacks). */
export async function pushTree(env: PipelineEnv, remote: Remote, tree: string): Promise<TransferReport> {
  return pushObjects(env.store, remote, closureOf(env.store, [tree]));
}
