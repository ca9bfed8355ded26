import { chmodSync, copyFileSync, constants, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SlipwayError } from '../errors/index.js';
import { checkoutTree, putTree, readTree, withWriteLock, type ObjectStore } from '../store/index.js';
import type { LockOut } from './lock-file.js';
import type { PathHasher } from './path-hasher.js';
import type { Stage } from './stage-model.js';

/** Deletes a stage's non-persistent outputs before it runs, and creates their parent folders. */
export function prepareOutputs(root: string, stage: Stage): void {
  for (const o of stage.outs) {
    const abs = join(root, o.path);
    if (!o.persist) rmSync(abs, { recursive: true, force: true });
    mkdirSync(dirname(abs), { recursive: true });
  }
}

/** Hashes a stage's outputs after it ran and stores the cached ones; a declared output that is absent is OUTPUT_MISSING. */
export async function saveOutputs(store: ObjectStore, root: string, stage: Stage, hasher: PathHasher): Promise<LockOut[]> {
  // Under the store's writer lock (gc waits); the run-cache row written after it is covered by gc's grace period.
  return withWriteLock(store, () => saveOutputsLocked(store, root, stage, hasher));
}

async function saveOutputsLocked(store: ObjectStore, root: string, stage: Stage, hasher: PathHasher): Promise<LockOut[]> {
  const outs: LockOut[] = [];
  const missing: string[] = [];
  for (const o of stage.outs) {
    hasher.invalidate(o.path);
    const h = await hasher.hashTree(o.path);
    if (!h) {
      missing.push(o.path);
      continue;
    }
    if (o.cache) {
      const abs = join(root, o.path);
      if (h.type === 'file') store.putFileKnown(abs, h.hash);
      else {
        for (const e of h.entries) store.putFileKnown(join(abs, ...e.path.split('/')), e.hash);
        putTree(store, h.entries);
      }
    }
    outs.push({ path: o.path, hash: h.hash, size: h.size, nfiles: h.nfiles, type: h.type, cache: o.cache });
  }
  if (missing.length > 0)
    throw new SlipwayError(
      'OUTPUT_MISSING',
      `stage "${stage.name}" finished but did not produce ${missing.map((m) => `"${m}"`).join(', ')}; make the command write it or remove it from outs`,
      { stage: stage.name, missing },
    );
  return outs;
}

/** True when every output can be restored from the store (all cached, all objects present). */
export function canRestore(store: ObjectStore, outs: readonly LockOut[]): boolean {
  for (const o of outs) {
    if (!o.cache || !store.has(o.hash)) return false;
    if (o.type === 'dir') {
      try {
        if (!readTree(store, o.hash).entries.every((e) => store.has(e.hash))) return false;
      } catch {
        return false;
      }
    }
  }
  return true;
}

/** Materialises recorded outputs from the store (reflink or copy; never hard links, stages may rewrite them). */
export function restoreOutputs(store: ObjectStore, root: string, outs: readonly LockOut[], hasher: PathHasher): void {
  for (const o of outs) {
    const abs = join(root, o.path);
    rmSync(abs, { recursive: true, force: true });
    mkdirSync(dirname(abs), { recursive: true });
    if (o.type === 'file') {
      copyFileSync(store.pathOf(o.hash), abs, constants.COPYFILE_FICLONE);
      chmodSync(abs, 0o644);
      hasher.remember(abs, o.hash);
    } else {
      mkdirSync(abs, { recursive: true });
      for (const e of checkoutTree(store, o.hash, abs, { link: ['reflink', 'copy'] }))
        hasher.remember(join(abs, ...e.path.split('/')), e.hash);
    }
    hasher.invalidate(o.path);
  }
}

/**
 * Reads a metrics file (JSON or YAML) into flat dotted keys (`macro.f1`) with numeric values; booleans count as 1/0.
 * The one reader of metrics files: stage metrics (a missing or unreadable file is no metrics) and the files users
 * name (`required`: a missing or unreadable file is USAGE). `metricsFromText` reads the same from a file's text.
 */
export function readMetricsFile(path: string, opts: { required?: boolean } = {}): Record<string, number> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (!opts.required) return {};
    throw new SlipwayError('USAGE', `${path} is not a readable JSON or YAML metrics file: ${(e as Error).message}`, { path });
  }
  return metricsFromText(text, path, opts);
}

/** The metrics of a metrics file's `text` (e.g. from `git show REV:path`); `path` picks JSON (`.json`) or YAML. */
export function metricsFromText(text: string, path: string, opts: { required?: boolean } = {}): Record<string, number> {
  let value: unknown;
  try {
    value = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    if (!opts.required) return {};
    throw new SlipwayError('USAGE', `${path} is not a readable JSON or YAML metrics file: ${(e as Error).message}`, { path });
  }
  const out: Record<string, number> = {};
  const walk = (v: unknown, prefix: string): void => {
    if (typeof v === 'number' && Number.isFinite(v)) out[prefix] = v;
    else if (typeof v === 'boolean') out[prefix] = v ? 1 : 0;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v))
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, prefix ? `${prefix}.${k}` : k);
  };
  walk(value, '');
  return out;
}
