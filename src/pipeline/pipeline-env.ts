import { join } from 'node:path';
import type { Workspace } from '../config/index.js';
import type { Db } from '../meta/index.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { openStatCache, sha256, type ObjectStore, type Remote, type StatCache } from '../store/index.js';
import { LOCK_FILE } from './lock-file.js';

/** Everything a pipeline operation works with. */
export interface PipelineEnv {
  /** The folder stages run in: the workspace root, or an experiment's isolated copy. */
  readonly root: string;
  /** The workspace that owns the store, database, logs and tracked runs. */
  readonly workspace: Workspace;
  readonly db: Db;
  readonly store: ObjectStore;
  readonly statCache: StatCache;
  /** Folder summaries of the path hasher (`.slipway/pipeline/dir-cache.json`). */
  readonly dirCachePath: string;
  /** `slipway.lock` of `root`. */
  readonly lockPath: string;
  /** Parsed copy of the lock, keyed by its stat (see `readLock`). */
  readonly lockCachePath: string;
  /** The workspace lock taken by `repro` (one per root). */
  readonly reproLockPath: string;
  /** Tracking experiment that stage runs go to (default `pipeline`). */
  readonly experiment: string;
  /** Tags put on every stage run (e.g. the experiment name of `exp run`). */
  readonly tags: Readonly<Record<string, string>>;
  /** Extra environment for stage commands (the CLI puts its own `slipway` first on PATH). */
  readonly stageEnv: Readonly<Record<string, string>>;
  /** What the kubernetes executor needs (the CLI builds it at the edge); absent: kubernetes stages cannot run. */
  readonly kubernetes?: KubernetesAccess;
  close(): void;
}

/** The cluster and the remote a kubernetes stage uses, resolved at the edge. */
export interface KubernetesAccess {
  /** The client config (KUBECONFIG, ~/.kube/config or the in-cluster service account). */
  kubeConfig(): Promise<KubeConfig>;
  /** The workspace remote named `name` (default: the only one, else `origin`): its URL, as the pod opens it, and a client. */
  remote(name?: string): { readonly url: string; readonly remote: Remote };
  /** Pace of pod listing and of the polling fallback (default 1000 ms). */
  readonly pollMs?: number;
}

/** Builds the environment for a workspace (or for `root`, an isolated copy of it). */
export function pipelineEnv(
  workspace: Workspace,
  db: Db,
  store: ObjectStore,
  opts: {
    root?: string;
    experiment?: string;
    tags?: Record<string, string>;
    stageEnv?: Record<string, string>;
    kubernetes?: KubernetesAccess;
  } = {},
): PipelineEnv {
  const root = opts.root ?? workspace.root;
  const statCache = openStatCache(join(workspace.stateDir, 'stat-cache.db'));
  return {
    root,
    workspace,
    db,
    store,
    statCache,
    dirCachePath: join(workspace.stateDir, 'pipeline', 'dir-cache.json'),
    lockPath: join(root, LOCK_FILE),
    lockCachePath: join(workspace.stateDir, 'pipeline', `lock-${sha256(root).slice(0, 12)}.json`),
    reproLockPath: root === workspace.root ? join(workspace.stateDir, 'repro.lock') : join(root, '.repro.lock'),
    experiment: opts.experiment ?? 'pipeline',
    tags: opts.tags ?? {},
    stageEnv: opts.stageEnv ?? {},
    ...(opts.kubernetes ? { kubernetes: opts.kubernetes } : {}),
    close: () => statCache.close(),
  };
}
