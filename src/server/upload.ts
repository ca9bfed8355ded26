import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SlipwayError } from '../errors/index.js';
import type { ObjectStore } from '../store/index.js';
import type { ArtifactQuota } from './artifact-quota.js';

/** Streams a raw request body into the store (temp file, hashed on the way, size-limited); returns its hash and size. */
export async function streamIntoStore(
  body: Readable,
  store: ObjectStore,
  tmpDir: string,
  limit: number,
  expectHash?: string,
  quota?: ArtifactQuota,
): Promise<{ hash: string; size: number }> {
  mkdirSync(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `upload-${process.pid}-${randomBytes(6).toString('hex')}`);
  const h = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > limit) cb(new SlipwayError('BODY_TOO_LARGE', `upload is larger than the server's limit of ${limit} bytes`));
      else if (quota && quota.used() + size > quota.limit) {
        try {
          quota.check(size);
        } catch (e) {
          cb(e as Error);
        }
      } else {
        h.update(chunk);
        cb(null, chunk);
      }
    },
  });
  try {
    await pipeline(body, meter, createWriteStream(tmp));
    const hash = h.digest('hex');
    if (expectHash !== undefined && hash !== expectHash)
      throw new SlipwayError(
        'BAD_REQUEST',
        `uploaded bytes hash to ${hash}, not ${expectHash}; the upload was corrupted or the id is wrong`,
        {
          hash,
        },
      );
    const isNew = !store.has(hash);
    store.putFileKnown(tmp, hash);
    if (isNew) quota?.add(size);
    return { hash, size };
  } finally {
    rmSync(tmp, { force: true });
  }
}
