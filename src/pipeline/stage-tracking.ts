import type { Db } from '../meta/index.js';
import type { DatasetInput, Run, StartRunOptions } from '../tracking/index.js';

/** The part of the tracking SDK the pipeline uses (src/tracking/index.ts). */
export interface TrackingApi {
  startRun(opts: StartRunOptions): Promise<Run>;
}

let cached: Promise<TrackingApi | undefined> | undefined;

/**
 * Loads the tracking SDK lazily, so the pipeline works (untracked) where tracking is not available.
 * The specifier is computed so the type checker does not require the module to exist at build time.
 */
export function loadTracking(): Promise<TrackingApi | undefined> {
  cached ??= (async () => {
    try {
      const spec = new URL('../tracking/index.js', import.meta.url).href;
      const mod = (await import(spec)) as Partial<TrackingApi>;
      return typeof mod.startRun === 'function' ? { startRun: mod.startRun } : undefined;
    } catch {
      return undefined;
    }
  })();
  return cached;
}

/** The dataset versions whose tree hashes equal some of these dependency hashes (deps that are dataset checkouts). */
export async function datasetInputsFor(db: Db, treeHashes: readonly string[]): Promise<DatasetInput[]> {
  if (treeHashes.length === 0) return [];
  try {
    const rows = await db.all<{ name: string; version: number; tree_hash: string }>(
      `SELECT name, version, tree_hash FROM dataset_versions WHERE tree_hash IN (${treeHashes.map(() => '?').join(', ')})`,
      treeHashes,
    );
    return rows.map((r) => ({ dataset: r.name, version: Number(r.version), treeHash: r.tree_hash }));
  } catch {
    return [];
  }
}
