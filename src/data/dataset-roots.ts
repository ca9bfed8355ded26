import type { Db } from '../meta/index.js';
import type { RootProvider } from '../store/index.js';

/** The store objects dataset versions refer to (their trees), for gc and fsck. */
export function datasetRoots(db: Db): RootProvider {
  return {
    async collect(add) {
      for (const r of await db.all<{ name: string; version: number; tree_hash: string }>(
        'SELECT name, version, tree_hash FROM dataset_versions',
      ))
        add(r.tree_hash, `dataset ${r.name}@${r.version}`);
    },
  };
}
