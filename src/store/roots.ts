import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Db } from '../meta/index.js';
import { addRoot, type RootRefs } from './reachability.js';

const HEX64 = /\b[0-9a-f]{64}\b/g;

/** Options for `collectRoots`. */
export interface CollectRootsOptions {
  /**
   * Only references whose objects must be in the store (for fsck): pipeline outputs with `cache: true`, not the
   * dependency hashes and cache keys a lock also records. Without it (for gc) every sha256 found is kept, a safe
   * superset.
   */
  requiredOnly?: boolean;
}

/** The hashes of cached outputs in a list of lock outs (`[{ path, hash, cache }]`); null when it is not one. */
function cachedOuts(outs: unknown): string[] | null {
  if (!Array.isArray(outs)) return null;
  const out: string[] = [];
  for (const o of outs as { hash?: unknown; cache?: unknown }[]) if (typeof o?.hash === 'string' && o.cache !== false) out.push(o.hash);
  return out;
}

function lockOuts(text: string): { stage: string; hashes: string[] }[] {
  try {
    const lock = parseYaml(text) as { stages?: Record<string, { outs?: unknown }> } | null;
    return Object.entries(lock?.stages ?? {}).map(([stage, s]) => ({ stage, hashes: cachedOuts(s?.outs) ?? [] }));
  } catch {
    return [];
  }
}

/**
 * Every object the workspace refers to: dataset versions, model versions, run artifacts, run-cache outputs and
 * `slipway.lock`. gc keeps these and what their trees hold; fsck (with `requiredOnly`) checks they are present.
 */
export async function collectRoots(db: Db, workspaceRoot: string, opts: CollectRootsOptions = {}): Promise<RootRefs> {
  const roots: RootRefs = new Map();
  type Versioned = { name: string; version: number; tree_hash: string };
  for (const r of await db.all<Versioned>('SELECT name, version, tree_hash FROM dataset_versions'))
    addRoot(roots, r.tree_hash, `dataset ${r.name}@${r.version}`);
  for (const r of await db.all<Versioned>('SELECT name, version, tree_hash FROM model_versions'))
    addRoot(roots, r.tree_hash, `model ${r.name}@${r.version}`);
  for (const r of await db.all<{ run_id: string; path: string; hash: string }>('SELECT run_id, path, hash FROM run_artifacts'))
    addRoot(roots, r.hash, `run ${r.run_id} artifact ${r.path}`);
  for (const r of await db.all<{ key: string; stage: string; outs_json: string }>('SELECT key, stage, outs_json FROM run_cache')) {
    const by = `run cache ${r.stage} (${r.key.slice(0, 12)})`;
    let hashes: string[] | null = null;
    try {
      hashes = cachedOuts(JSON.parse(r.outs_json));
    } catch {
      hashes = null;
    }
    for (const h of opts.requiredOnly ? (hashes ?? []) : (r.outs_json.match(HEX64) ?? [])) addRoot(roots, h, by);
  }
  const lock = join(workspaceRoot, 'slipway.lock');
  if (existsSync(lock)) {
    const text = readFileSync(lock, 'utf8');
    if (opts.requiredOnly) for (const s of lockOuts(text)) for (const h of s.hashes) addRoot(roots, h, `slipway.lock stage ${s.stage}`);
    else for (const h of text.match(HEX64) ?? []) addRoot(roots, h, 'slipway.lock');
  }
  return roots;
}
