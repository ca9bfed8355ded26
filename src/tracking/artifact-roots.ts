import type { Db } from '../meta/index.js';
import type { RootProvider } from '../store/index.js';

/** The store objects run artifacts refer to, for gc and fsck. */
export function artifactRoots(db: Db): RootProvider {
  return {
    async collect(add) {
      for (const r of await db.all<{ run_id: string; path: string; hash: string }>('SELECT run_id, path, hash FROM run_artifacts'))
        add(r.hash, `run ${r.run_id} artifact ${r.path}`);
    },
  };
}
