import { datasetRoots } from '../data/index.js';
import type { Db } from '../meta/index.js';
import { pipelineRoots } from '../pipeline/index.js';
import { modelRoots } from '../registry/index.js';
import { collectRoots, type CollectRootsOptions, type RootRefs } from '../store/index.js';
import { artifactRoots } from '../tracking/index.js';

/**
 * Every object a workspace refers to, asked of each capability that keeps references (dataset versions, model
 * versions, run artifacts, run cache and slipway.lock): what `slipway gc` keeps and `slipway fsck` checks.
 */
export function workspaceRoots(db: Db, workspaceRoot: string, opts: CollectRootsOptions = {}): Promise<RootRefs> {
  return collectRoots([datasetRoots(db), modelRoots(db), artifactRoots(db), pipelineRoots(db, workspaceRoot)], opts);
}
