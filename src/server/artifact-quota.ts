import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../errors/index.js';

/** A per-workspace cap on the bytes clients may put into the object store over the API. */
export interface ArtifactQuota {
  readonly limit: number;
  /** Bytes in the store now (measured once at start, then counted as uploads land). */
  used(): number;
  /** QUOTA_EXCEEDED when `bytes` more would pass the limit. */
  check(bytes: number): void;
  /** Counts a new object. */
  add(bytes: number): void;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      continue;
    }
    for (const n of names) {
      const p = join(d, n);
      const s = await stat(p).catch(() => null);
      if (s?.isDirectory()) stack.push(p);
      else if (s?.isFile()) total += s.size;
    }
  }
  return total;
}

/** Measures the store under `objectsDir` and returns a quota of `limit` bytes over it. */
export async function openArtifactQuota(objectsDir: string, limit: number): Promise<ArtifactQuota> {
  let used = await dirBytes(objectsDir);
  return {
    limit,
    used: () => used,
    check(bytes) {
      if (used + bytes > limit)
        throw new SlipwayError(
          'QUOTA_EXCEEDED',
          `this workspace's artifact quota is ${limit} bytes and ${used} are used; delete old runs and run \`slipway gc\`, or raise --quota`,
          { limit, used },
        );
    },
    add(bytes) {
      used += bytes;
    },
  };
}
