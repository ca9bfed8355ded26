import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, chmod } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { SlipwayError } from '../errors/index.js';

/**
 * Writes a stream to `dest` as object `hash`: into a temp file beside it, hashing as it goes, then fsync and
 * rename — only when the bytes hash to `hash`. An interrupted transfer leaves at most a temp file, never a
 * wrong object, so re-running simply resumes. Returns the byte count.
 */
export async function receiveObject(dest: string, hash: string, body: Readable): Promise<number> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const fh = await open(tmp, 'w', 0o644);
  const h = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      h.update(buf);
      size += buf.length;
      let off = 0;
      while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
    }
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  const got = h.digest('hex');
  if (got !== hash) {
    await rm(tmp, { force: true });
    throw new SlipwayError(
      'OBJECT_CORRUPT',
      `object ${hash} arrived with content hashing to ${got}; the sender's copy is corrupt (run \`slipway fsck\` there)`,
      {
        hash,
        actual: got,
      },
    );
  }
  await chmod(tmp, 0o444);
  await rename(tmp, dest);
  return size;
}
