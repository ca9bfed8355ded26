import { join } from 'node:path';
import type { Db } from '../meta/index.js';
import { SlipwayError } from '../errors/index.js';
import { readLock, LOCK_FILE, type LockOut } from '../pipeline/index.js';

/** One thing a workspace shares: a dataset or model version, a run-cache entry's output, or a `slipway.lock` output. */
export interface ShareRoot {
  readonly kind: 'dataset' | 'model' | 'run-cache' | 'output';
  /** What a person calls it: `dataset cancer@1`, `model cnn@2`, `output model (stage train)`. */
  readonly label: string;
  /** The object (usually a tree) that keeps everything else alive. */
  readonly hash: string;
  /** For `output`: the workspace path and the recorded output, so pull can check it out. */
  readonly out?: LockOut;
}

function parseTarget(target: string): { name: string; version?: number } {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:@(\d+))?$/.exec(target);
  if (!m) throw new SlipwayError('USAGE', `"${target}" is not NAME or NAME@N (a dataset or model version)`, { target });
  return { name: m[1]!, version: m[2] === undefined ? undefined : Number(m[2]) };
}

/**
 * Everything the workspace shares through a remote: every dataset version and model version, every run-cache
 * entry's cached outputs and every cached output in `slipway.lock`. With `targets` (NAME or NAME@N) only the
 * matching dataset and model versions; a target that matches nothing is DATASET_NOT_FOUND.
 */
export async function shareRoots(db: Db, root: string, targets: readonly string[] = []): Promise<ShareRoot[]> {
  const out: ShareRoot[] = [];
  const wanted = targets.map(parseTarget);
  const hit = new Set<number>();
  const matches = (name: string, version: number): boolean => {
    if (wanted.length === 0) return true;
    let any = false;
    wanted.forEach((w, i) => {
      if (w.name === name && (w.version === undefined || w.version === version)) {
        hit.add(i);
        any = true;
      }
    });
    return any;
  };
  type Versioned = { name: string; version: number | string; tree_hash: string };
  for (const r of await db.all<Versioned>('SELECT name, version, tree_hash FROM dataset_versions ORDER BY name, version'))
    if (matches(r.name, Number(r.version))) out.push({ kind: 'dataset', label: `dataset ${r.name}@${r.version}`, hash: r.tree_hash });
  for (const r of await db.all<Versioned>('SELECT name, version, tree_hash FROM model_versions ORDER BY name, version'))
    if (matches(r.name, Number(r.version))) out.push({ kind: 'model', label: `model ${r.name}@${r.version}`, hash: r.tree_hash });
  if (wanted.length > 0) {
    const w = wanted.find((_, i) => !hit.has(i));
    if (w)
      throw new SlipwayError(
        'DATASET_NOT_FOUND',
        `no dataset or model version matches "${w.name}${w.version === undefined ? '' : `@${w.version}`}"; see \`slipway data list\` and \`slipway models list\` (pointer files come with \`git pull\`)`,
        { target: w.name },
      );
    return out;
  }
  for (const r of await db.all<{ key: string; stage: string; outs_json: string }>(
    'SELECT key, stage, outs_json FROM run_cache ORDER BY key',
  )) {
    let outs: LockOut[] = [];
    try {
      outs = JSON.parse(r.outs_json) as LockOut[];
    } catch {
      continue;
    }
    for (const o of outs)
      if (o.cache !== false && typeof o.hash === 'string')
        out.push({ kind: 'run-cache', label: `run cache ${r.stage} ${o.path} (${r.key.slice(0, 8)})`, hash: o.hash });
  }
  const lock = readLock(join(root, LOCK_FILE));
  for (const [stage, s] of Object.entries(lock.stages))
    for (const o of s.outs) if (o.cache) out.push({ kind: 'output', label: `output ${o.path} (stage ${stage})`, hash: o.hash, out: o });
  return out;
}
