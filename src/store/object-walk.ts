import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectStore } from './object-store.js';

/** What is on disk under the store root: complete objects and leftover temp files of interrupted writes. */
export interface StoreListing {
  objects: string[];
  tempFiles: string[];
}

/** Lists every object (by hash) and every temp file under the store root. */
export function listObjects(store: ObjectStore): StoreListing {
  const objects: string[] = [];
  const tempFiles: string[] = [];
  let dirs: string[];
  try {
    dirs = readdirSync(store.root);
  } catch {
    return { objects, tempFiles };
  }
  for (const d of dirs) {
    const full = join(store.root, d);
    if (d.startsWith('.tmp-')) {
      tempFiles.push(full);
      continue;
    }
    if (!/^[0-9a-f]{2}$/.test(d)) continue;
    for (const name of readdirSync(full)) {
      if (/^[0-9a-f]{62}$/.test(name)) objects.push(d + name);
      else if (name.includes('.tmp-')) tempFiles.push(join(full, name));
    }
  }
  return { objects: objects.sort(), tempFiles };
}

const TREE_PREFIX = Buffer.from('{"kind":"tree"');

/** True when the stored object starts like a tree manifest (cheap: reads 14 bytes). */
export function looksLikeTree(store: ObjectStore, hash: string): boolean {
  let fd: number;
  try {
    fd = openSync(store.pathOf(hash), 'r');
  } catch {
    return false;
  }
  try {
    const buf = Buffer.alloc(TREE_PREFIX.length);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return n === buf.length && buf.equals(TREE_PREFIX);
  } finally {
    closeSync(fd);
  }
}

/** The process id embedded in a temp file's name (`.tmp-<pid>-<random>`), if any. */
export function tempFilePid(path: string): number | undefined {
  const m = /\.tmp-(\d+)-[0-9a-f]+$/.exec(path);
  return m ? Number(m[1]) : undefined;
}
