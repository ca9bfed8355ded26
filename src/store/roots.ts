import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../meta/index.js';
import { addRoot, type RootRefs } from './reachability.js';

const HEX64 = /\b[0-9a-f]{64}\b/g;

/**
 * Every object the workspace refers to: dataset versions, model versions, run artifacts, run-cache outputs
 * (any sha256 in outs_json) and `slipway.lock` (any sha256 in it). gc keeps these and what their trees hold.
 */
export async function collectRoots(db: Db, workspaceRoot: string): Promise<RootRefs> {
  const roots: RootRefs = new Map();
  for (const r of await db.all<{ name: string; version: number; tree_hash: string }>('SELECT name, version, tree_hash FROM dataset_versions'))
    addRoot(roots, r.tree_hash, `dataset ${r.name}@${r.version}`);
  for (const r of await db.all<{ name: string; version: number; tree_hash: string }>('SELECT name, version, tree_hash FROM model_versions'))
    addRoot(roots, r.tree_hash, `model ${r.name}@${r.version}`);
  for (const r of await db.all<{ run_id: string; path: string; hash: string }>('SELECT run_id, path, hash FROM run_artifacts'))
    addRoot(roots, r.hash, `run ${r.run_id} artifact ${r.path}`);
  for (const r of await db.all<{ key: string; stage: string; outs_json: string }>('SELECT key, stage, outs_json FROM run_cache'))
    for (const h of r.outs_json.match(HEX64) ?? []) addRoot(roots, h, `run cache ${r.stage} (${r.key.slice(0, 12)})`);
  const lock = join(workspaceRoot, 'slipway.lock');
  if (existsSync(lock)) for (const h of readFileSync(lock, 'utf8').match(HEX64) ?? []) addRoot(roots, h, 'slipway.lock');
  return roots;
}
