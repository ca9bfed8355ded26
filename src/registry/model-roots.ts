import type { Db } from '../meta/index.js';
import type { RootProvider } from '../store/index.js';

/** The store objects model versions refer to (their trees), for gc and fsck. */
export function modelRoots(db: Db): RootProvider {
  return {
    async collect(add) {
      for (const r of await db.all<{ name: string; version: number; tree_hash: string }>(
        'SELECT name, version, tree_hash FROM model_versions',
      ))
        add(r.tree_hash, `model ${r.name}@${r.version}`);
    },
  };
}
