import { addRoot, type RootRefs } from './reachability.js';

/** Options of `collectRoots`. */
export interface CollectRootsOptions {
  /**
   * Only references whose objects must be in the store (for fsck): pipeline outputs with `cache: true`, not the
   * dependency hashes and cache keys a lock also records. Without it (for gc) a provider may keep a safe superset.
   */
  readonly requiredOnly?: boolean | undefined;
}

/**
 * What one capability refers to in the store (dataset versions, model versions, run artifacts, pipeline outputs).
 * The store owns this interface and never learns where the references live: each capability implements it and the
 * edge (the CLI's gc and fsck) passes the list in.
 */
export interface RootProvider {
  /** Calls `add(hash, by)` for every object this capability refers to; `by` says who refers to it (for reports). */
  collect(add: (hash: string, by: string) => void, opts: CollectRootsOptions): Promise<void>;
}

/** Every object the providers refer to, with who refers to it: gc keeps these and their trees, fsck checks them. */
export async function collectRoots(providers: readonly RootProvider[], opts: CollectRootsOptions = {}): Promise<RootRefs> {
  const roots: RootRefs = new Map();
  const add = (hash: string, by: string): void => addRoot(roots, hash, by);
  for (const p of providers) await p.collect(add, opts);
  return roots;
}
