import { mkdirSync, readdirSync, lstatSync, linkSync, copyFileSync, constants, existsSync, chmodSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep, posix } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import type { ObjectStore } from './object-store.js';
import { isHash } from './hash.js';

/** One file in a tree manifest. */
export interface TreeEntry {
  /** POSIX path relative to the tree root; never absolute, never with `..`. */
  readonly path: string;
  readonly hash: string;
  readonly size: number;
  /** Unix permission bits (0o644 or 0o755). */
  readonly mode: number;
}

/** A directory manifest; its id is the sha256 of its canonical JSON (a Merkle hash over its files). */
export interface Tree {
  readonly kind: 'tree';
  readonly entries: readonly TreeEntry[];
}

/** Refuses paths that would escape the folder they are checked out into. */
export function assertSafePath(p: string): void {
  if (p === '' || isAbsolute(p) || p.startsWith('/') || p.includes('\\') || /^[a-zA-Z]:/.test(p)) {
    throw new SlipwayError('PATH_ESCAPES', `path "${p}" in a manifest is absolute or empty; manifests hold relative paths only`, {
      path: p,
    });
  }
  const norm = posix.normalize(p);
  if (norm.startsWith('../') || norm === '..' || p.split('/').includes('..')) {
    throw new SlipwayError('PATH_ESCAPES', `path "${p}" in a manifest escapes its folder ("..")`, { path: p });
  }
}

/** The canonical bytes of a tree: entries sorted by path, fixed key order. */
export function encodeTree(entries: readonly TreeEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    assertSafePath(sorted[i]!.path);
    if (i > 0 && sorted[i - 1]!.path === sorted[i]!.path)
      throw new SlipwayError('TREE_INVALID', `duplicate path "${sorted[i]!.path}" in a tree`);
  }
  return JSON.stringify({ kind: 'tree', entries: sorted.map((e) => ({ path: e.path, hash: e.hash, size: e.size, mode: e.mode })) });
}

/** Stores a tree manifest; returns its hash. */
export function putTree(store: ObjectStore, entries: readonly TreeEntry[]): string {
  return store.putBytes(encodeTree(entries));
}

/** Reads and validates a tree manifest. */
export function readTree(store: ObjectStore, hash: string): Tree {
  let parsed: unknown;
  try {
    parsed = JSON.parse(store.getBytes(hash).toString('utf8'));
  } catch (e) {
    if (e instanceof SlipwayError) throw e;
    throw new SlipwayError('TREE_INVALID', `object ${hash} is not a tree manifest`, { hash });
  }
  const t = parsed as Partial<Tree>;
  if (t?.kind !== 'tree' || !Array.isArray(t.entries))
    throw new SlipwayError('TREE_INVALID', `object ${hash} is not a tree manifest`, { hash });
  for (const e of t.entries) {
    assertSafePath(e.path);
    if (!isHash(e.hash)) throw new SlipwayError('TREE_INVALID', `tree ${hash} has an entry with a bad object id`, { hash, path: e.path });
  }
  return t as Tree;
}

/** Lists the files under `dir` (recursively, skipping `.slipway` and `.git`), as POSIX relative paths. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      if (ent.name === '.slipway' || ent.name === '.git') continue;
      const full = join(d, ent.name);
      if (ent.isDirectory()) walk(full);
      else if (ent.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** How a checkout places files: a reflink clone, a hard link into the store, or a copy. */
export type LinkType = 'reflink' | 'hardlink' | 'copy';

/** The default checkout order: a reflink clone (own copy, no extra space), else a hard link, else a copy. */
export const DEFAULT_LINK_ORDER: readonly LinkType[] = ['reflink', 'hardlink', 'copy'];

/**
 * Materialises a tree into `dir` (reflink → hardlink → copy by default). A hardlinked file IS the store's object,
 * so it stays read-only (0444): editing it in place would corrupt the store. Pass `link: ['reflink', 'copy']`
 * for writable files.
 */
export function checkoutTree(store: ObjectStore, treeHash: string, dir: string, opts: { link?: readonly LinkType[] } = {}): TreeEntry[] {
  const tree = readTree(store, treeHash);
  const order = opts.link ?? DEFAULT_LINK_ORDER;
  for (const e of tree.entries) {
    const dest = join(dir, ...e.path.split('/'));
    const rel = relative(dir, dest);
    if (rel.startsWith('..') || isAbsolute(rel))
      throw new SlipwayError('PATH_ESCAPES', `path "${e.path}" escapes ${dir}`, { path: e.path });
    mkdirSync(dirname(dest), { recursive: true });
    if (existsSync(dest) || isLink(dest)) {
      rmSync(dest, { force: true });
    }
    const src = store.pathOf(e.hash);
    if (!existsSync(src))
      throw new SlipwayError('OBJECT_NOT_FOUND', `object ${e.hash} for "${e.path}" is missing from the store; run \`slipway data pull\``, {
        hash: e.hash,
        path: e.path,
      });
    const how = placeFile(src, dest, order);
    // A hard link shares the object's inode; its mode must stay read-only.
    if (how !== 'hardlink') chmodSync(dest, e.mode);
  }
  return [...tree.entries];
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function placeFile(src: string, dest: string, order: readonly LinkType[]): LinkType {
  let lastErr: unknown;
  for (const how of order) {
    try {
      if (how === 'reflink') copyFileSync(src, dest, constants.COPYFILE_FICLONE_FORCE);
      else if (how === 'hardlink') linkSync(src, dest);
      else copyFileSync(src, dest);
      return how;
    } catch (e) {
      lastErr = e;
    }
  }
  throw new SlipwayError('INTERNAL', `could not place ${dest}: ${(lastErr as Error)?.message}`, { dest });
}
