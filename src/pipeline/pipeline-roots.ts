import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Db } from '../meta/index.js';
import type { RootProvider } from '../store/index.js';

const HEX64 = /\b[0-9a-f]{64}\b/g;

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
 * The store objects the pipeline refers to: run-cache outputs and `slipway.lock`. For gc (no `requiredOnly`) every
 * sha256 either holds is kept, a safe superset; for fsck only cached outputs must be present.
 */
export function pipelineRoots(db: Db, workspaceRoot: string): RootProvider {
  return {
    async collect(add, opts) {
      for (const r of await db.all<{ key: string; stage: string; outs_json: string }>('SELECT key, stage, outs_json FROM run_cache')) {
        const by = `run cache ${r.stage} (${r.key.slice(0, 12)})`;
        let hashes: string[] | null = null;
        try {
          hashes = cachedOuts(JSON.parse(r.outs_json));
        } catch {
          hashes = null;
        }
        for (const h of opts.requiredOnly ? (hashes ?? []) : (r.outs_json.match(HEX64) ?? [])) add(h, by);
      }
      const lock = join(workspaceRoot, 'slipway.lock');
      if (existsSync(lock)) {
        const text = readFileSync(lock, 'utf8');
        if (opts.requiredOnly) for (const s of lockOuts(text)) for (const h of s.hashes) add(h, `slipway.lock stage ${s.stage}`);
        else for (const h of text.match(HEX64) ?? []) add(h, 'slipway.lock');
      }
    },
  };
}
