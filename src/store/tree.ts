import {
  mkdirSync,
  readdirSync,
  lstatSync,
  linkSync,
  copyFileSync,
  constants,
  existsSync,
  chmodSync,
  rmSync,
  statSync,
  realpathSync,
  symlinkSync,
} from 'node:fs';
import { isAbsolute, join, relative, sep, posix } from 'node:path';
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
  // NUL and control characters break file systems, logs and headers downstream; no manifest may carry them.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(p))
    throw new SlipwayError(
      'NAME_INVALID',
      `path ${JSON.stringify(p.slice(0, 200))} holds a NUL or control character; use printable names`,
      {
        path: p,
      },
    );
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

/** 0755 when any execute bit is set, else 0644: the only modes a tree records. */
export function safeMode(mode: number): number {
  return Number.isInteger(mode) && (mode & 0o111) !== 0 ? 0o755 : 0o644;
}

/** The canonical bytes of a tree: entries sorted by path, fixed key order. */
export function encodeTree(entries: readonly TreeEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    assertSafePath(sorted[i]!.path);
    if (i > 0 && sorted[i - 1]!.path === sorted[i]!.path)
      throw new SlipwayError('TREE_INVALID', `duplicate path "${sorted[i]!.path}" in a tree`);
  }
  // Modes are masked to 0644/0755: a manifest from a client must not make setuid, setgid, sticky or world-writable files.
  return JSON.stringify({
    kind: 'tree',
    entries: sorted.map((e) => ({ path: e.path, hash: e.hash, size: e.size, mode: safeMode(e.mode) })),
  });
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

/** A folder entry `listFilesDetailed` could not add, and why (dangling or looping symlinks). */
export interface SkippedPath {
  readonly path: string;
  readonly reason: string;
}

/**
 * Lists the files under `dir` (recursively, skipping `.slipway` and `.git`) as POSIX relative paths. Symlinks are
 * followed (to files and folders, as DVC does); dangling links and links that loop back into their own ancestry are
 * returned in `skipped` so callers can say so instead of dropping them silently.
 */
export function listFilesDetailed(dir: string): { files: string[]; skipped: SkippedPath[] } {
  const files: string[] = [];
  const skipped: SkippedPath[] = [];
  const walk = (d: string, ancestry: Set<string>): void => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      if (ent.name === '.slipway' || ent.name === '.git') continue;
      const full = join(d, ent.name);
      const rel = relative(dir, full).split(sep).join('/');
      let isDir = ent.isDirectory();
      let isFile = ent.isFile();
      if (ent.isSymbolicLink()) {
        let st;
        try {
          st = statSync(full);
        } catch {
          skipped.push({ path: rel, reason: 'dangling symlink' });
          continue;
        }
        isDir = st.isDirectory();
        isFile = st.isFile();
        if (isDir && ancestry.has(realpathSync(full))) {
          skipped.push({ path: rel, reason: 'symlink loops back into its own parent folder' });
          continue;
        }
      }
      if (isDir) {
        const real = realpathSync(full);
        walk(full, new Set([...ancestry, real]));
      } else if (isFile) files.push(rel);
      else skipped.push({ path: rel, reason: 'not a regular file (socket, fifo or device)' });
    }
  };
  walk(dir, new Set([realpathSync(dir)]));
  return { files: files.sort(), skipped: skipped.sort((a, b) => (a.path < b.path ? -1 : 1)) };
}

/** Lists the files under `dir` (see `listFilesDetailed`; symlinks followed). */
export function listFiles(dir: string): string[] {
  return listFilesDetailed(dir).files;
}

/**
 * How a checkout places files: a reflink clone or a copy (independent files), or — only when configured — a hard
 * link or a symlink into the store (the store's objects are read-only; editing such a file in place is refused for
 * non-root users, and `slipway fsck --repair` restores an object a privileged edit damaged).
 */
export type LinkType = 'reflink' | 'hardlink' | 'symlink' | 'copy';

/** The default checkout order: a reflink clone (own copy, no extra space), else a copy — as DVC's default. */
export const DEFAULT_LINK_ORDER: readonly LinkType[] = ['reflink', 'copy'];

/**
 * Creates the folders of `rel` under `dir` and returns the destination path, refusing to go through a symlink or
 * outside `dir` (PATH_ESCAPES). A symlink or file sitting where the file goes is removed (the link, never its target).
 */
function safeDestination(dir: string, rel: string, checked: Set<string>): string {
  const parts = rel.split('/');
  let cur = dir;
  for (let i = 0; i < parts.length - 1; i++) {
    cur = join(cur, parts[i]!);
    if (checked.has(cur)) continue;
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      mkdirSync(cur);
      checked.add(cur);
      continue;
    }
    if (st.isSymbolicLink())
      throw new SlipwayError(
        'PATH_ESCAPES',
        `${cur} is a symlink; checkout never writes through links (it could land outside ${dir}); remove it or check out elsewhere`,
        { path: cur },
      );
    if (!st.isDirectory())
      throw new SlipwayError('PATH_ESCAPES', `${cur} is a file where the checkout needs a folder; remove it or check out elsewhere`, {
        path: cur,
      });
    checked.add(cur);
  }
  const dest = join(cur, parts[parts.length - 1]!);
  let st;
  try {
    st = lstatSync(dest);
  } catch {
    return dest;
  }
  if (st.isDirectory())
    throw new SlipwayError('PATH_ESCAPES', `${dest} is a folder where the checkout needs a file; remove it or check out elsewhere`, {
      path: dest,
    });
  rmSync(dest, { force: true });
  return dest;
}

/**
 * Materialises a tree into `dir`: reflink, else copy by default, so checked-out files are the user's own and editing
 * them can never corrupt the store. Hard links and symlinks are used only when asked for (`link`), and then stay
 * read-only. Never writes through a symlink inside `dir`, and refuses paths that would escape it.
 */
export function checkoutTree(store: ObjectStore, treeHash: string, dir: string, opts: { link?: readonly LinkType[] } = {}): TreeEntry[] {
  const tree = readTree(store, treeHash);
  const order = opts.link ?? DEFAULT_LINK_ORDER;
  mkdirSync(dir, { recursive: true });
  const checked = new Set<string>();
  for (const e of tree.entries) {
    const rel = relative(dir, join(dir, ...e.path.split('/')));
    if (rel.startsWith('..') || isAbsolute(rel))
      throw new SlipwayError('PATH_ESCAPES', `path "${e.path}" escapes ${dir}`, { path: e.path });
    const src = store.pathOf(e.hash);
    if (!existsSync(src))
      throw new SlipwayError('OBJECT_NOT_FOUND', `object ${e.hash} for "${e.path}" is missing from the store; run \`slipway pull\``, {
        hash: e.hash,
        path: e.path,
      });
    const dest = safeDestination(dir, e.path, checked);
    const how = placeFile(src, dest, order);
    // A hard link shares the object's inode and a symlink points at it; their mode must stay read-only.
    if (how === 'reflink' || how === 'copy') chmodSync(dest, safeMode(e.mode));
  }
  return [...tree.entries];
}

function placeFile(src: string, dest: string, order: readonly LinkType[]): LinkType {
  let lastErr: unknown;
  for (const how of order) {
    try {
      // EXCL: the destination was just cleared; if something appeared there meanwhile, fail rather than follow it.
      if (how === 'reflink') copyFileSync(src, dest, constants.COPYFILE_FICLONE_FORCE | constants.COPYFILE_EXCL);
      else if (how === 'hardlink') linkSync(src, dest);
      else if (how === 'symlink') symlinkSync(src, dest);
      else copyFileSync(src, dest, constants.COPYFILE_EXCL);
      return how;
    } catch (e) {
      lastErr = e;
    }
  }
  throw new SlipwayError('INTERNAL', `could not place ${dest}: ${(lastErr as Error)?.message}`, { dest });
}
