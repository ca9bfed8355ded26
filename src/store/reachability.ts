import { SlipwayError } from '../errors/index.js';
import type { ObjectStore } from './object-store.js';
import { looksLikeTree } from './object-walk.js';
import { readTree } from './tree.js';

/** Root references: object hash → who refers to it (e.g. "dataset mnist@2"). */
export type RootRefs = Map<string, string[]>;

/** What walking from the roots found. */
export interface Reachability {
  /** Every reachable object (roots and, transitively, tree entries), each with one referrer. */
  reachable: Map<string, string>;
  /** Referenced objects that are not in the store, with who referenced them. */
  missing: Map<string, string>;
  /** Trees that could not be parsed. */
  badTrees: Map<string, string>;
}

/** Adds a reference to a root map. */
export function addRoot(roots: RootRefs, hash: string, by: string): void {
  const list = roots.get(hash);
  if (list) list.push(by);
  else roots.set(hash, [by]);
}

/** Walks from the roots through trees (transitively: trees may hold trees) to every object they keep alive. */
export function walkReachable(store: ObjectStore, roots: RootRefs): Reachability {
  const reachable = new Map<string, string>();
  const missing = new Map<string, string>();
  const badTrees = new Map<string, string>();
  const stack: [string, string][] = [...roots].map(([h, by]) => [h, by[0] ?? 'root']);
  while (stack.length > 0) {
    const [hash, by] = stack.pop()!;
    if (reachable.has(hash) || missing.has(hash)) continue;
    if (!store.has(hash)) {
      missing.set(hash, by);
      continue;
    }
    reachable.set(hash, by);
    if (!looksLikeTree(store, hash)) continue;
    try {
      for (const e of readTree(store, hash).entries) stack.push([e.hash, `${by} → ${e.path}`]);
    } catch (e) {
      badTrees.set(hash, e instanceof SlipwayError ? e.message : String(e));
    }
  }
  return { reachable, missing, badTrees };
}
