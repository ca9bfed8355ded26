import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * Trees known to hold no trees: objects are immutable, so once every entry of a tree was seen present and not a tree
 * that stays true, and later walks skip opening each entry to sniff it (a no-op `status --remote` on 10,000 files
 * would otherwise open 10,000 objects). One hash per line in `<store>/.flat-trees`; a lost file only costs speed.
 */
function flatTreesPath(store: ObjectStore): string {
  return join(store.root, '.flat-trees');
}

function readFlatTrees(store: ObjectStore): Set<string> {
  try {
    return new Set(
      readFileSync(flatTreesPath(store), 'utf8')
        .split('\n')
        .filter((l) => /^[0-9a-f]{64}$/.test(l)),
    );
  } catch {
    return new Set();
  }
}

/** Walks from the roots through trees (transitively: trees may hold trees) to every object they keep alive. */
export function walkReachable(store: ObjectStore, roots: RootRefs): Reachability {
  const reachable = new Map<string, string>();
  const missing = new Map<string, string>();
  const badTrees = new Map<string, string>();
  const flat = readFlatTrees(store);
  const newlyFlat: string[] = [];
  // [hash, referrer, known not to be a tree]
  const stack: [string, string, boolean][] = [...roots].map(([h, by]) => [h, by[0] ?? 'root', false]);
  while (stack.length > 0) {
    const [hash, by, blob] = stack.pop()!;
    if (reachable.has(hash) || missing.has(hash)) continue;
    if (!store.has(hash)) {
      missing.set(hash, by);
      continue;
    }
    reachable.set(hash, by);
    if (blob || !looksLikeTree(store, hash)) continue;
    let entries;
    try {
      entries = readTree(store, hash).entries;
    } catch (e) {
      badTrees.set(hash, e instanceof SlipwayError ? e.message : String(e));
      continue;
    }
    if (flat.has(hash)) {
      for (const e of entries) stack.push([e.hash, `${by} → ${e.path}`, true]);
      continue;
    }
    let isFlat = true;
    for (const e of entries) {
      // A missing entry might be a tree once it arrives, so only a fully present, tree-free tree is recorded.
      if (!store.has(e.hash) || looksLikeTree(store, e.hash)) isFlat = false;
      stack.push([e.hash, `${by} → ${e.path}`, false]);
    }
    if (isFlat) newlyFlat.push(hash);
  }
  if (newlyFlat.length > 0)
    try {
      appendFileSync(flatTreesPath(store), `${newlyFlat.join('\n')}\n`);
    } catch {
      /* a read-only store: walks stay correct, only slower */
    }
  return { reachable, missing, badTrees };
}
