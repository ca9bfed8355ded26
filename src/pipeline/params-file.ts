import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SlipwayError } from '../errors/index.js';

/** The default params file of a stage (relative to its wdir), as in DVC. */
export const DEFAULT_PARAMS_FILE = 'params.yaml';

/** Reads a params file (YAML, JSON) into a plain object; a missing file reads as `undefined`. */
export function readParamsFile(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  let value: unknown;
  try {
    value = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new SlipwayError('CONFIG_INVALID', `${path}: cannot parse params file: ${(e as Error).message.split('\n')[0]}`, { path });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new SlipwayError('CONFIG_INVALID', `${path}: a params file must hold a mapping of keys to values`, { path });
  return value as Record<string, unknown>;
}

/** Looks up a dotted key (`train.lr`, `layers.0.units`); `undefined` when absent. */
export function getDotted(obj: unknown, key: string): unknown {
  let cur: unknown = obj;
  for (const part of key.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Sets a dotted key in place, creating mappings on the way (for `exp run -S train.lr=0.01`). */
export function setDotted(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur: Record<string, unknown> = obj;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (next === null || typeof next !== 'object') cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** Flattens nested params into dotted keys (leaves only). */
export function flattenParams(obj: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) flattenParams(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out[prefix] = obj;
  return out;
}

/** A cache of parsed params files for one pipeline load (keyed by absolute path). */
export function paramsReader(): (root: string, file: string) => Record<string, unknown> | undefined {
  const cache = new Map<string, Record<string, unknown> | undefined>();
  return (root, file) => {
    const p = join(root, file);
    if (!cache.has(p)) cache.set(p, readParamsFile(p));
    return cache.get(p);
  };
}
