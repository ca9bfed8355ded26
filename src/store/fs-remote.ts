import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { isHash } from './hash.js';
import { receiveObject } from './receive-object.js';
import type { Remote } from './remote.js';

/** A remote that is a folder (local disk, NFS, a mounted share) with the store's object layout. */
export function openFsRemote(root: string, url: string = root): Remote {
  const pathOf = (hash: string): string => {
    if (!isHash(hash)) throw new SlipwayError('OBJECT_NOT_FOUND', `"${hash}" is not a sha256 object id`, { hash });
    return join(root, hash.slice(0, 2), hash.slice(2));
  };
  return {
    url,
    localPathOf: pathOf,
    async has(hash) {
      try {
        await access(pathOf(hash));
        return true;
      } catch {
        return false;
      }
    },
    async list() {
      const out = new Set<string>();
      if (!existsSync(root)) return out;
      for (const d of readdirSync(root)) {
        if (!/^[0-9a-f]{2}$/.test(d)) continue;
        for (const name of readdirSync(join(root, d))) if (/^[0-9a-f]{62}$/.test(name)) out.add(d + name);
      }
      return out;
    },
    async put(hash, body) {
      await mkdir(root, { recursive: true }).catch((e: Error) => {
        throw new SlipwayError('REMOTE_FAILED', `cannot create remote folder ${root}: ${e.message}`, { url });
      });
      await receiveObject(pathOf(hash), hash, body);
    },
    async get(hash) {
      const p = pathOf(hash);
      try {
        await access(p);
      } catch {
        throw new SlipwayError('OBJECT_NOT_FOUND', `remote ${url} has no object ${hash}; push it from a workspace that has it`, {
          hash,
          url,
        });
      }
      return createReadStream(p, { highWaterMark: 1 << 20 });
    },
  };
}
