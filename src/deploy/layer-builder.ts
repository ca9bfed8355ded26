import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { writeFileAtomic } from '../store/index.js';
import type { BlobDir } from './blob-dir.js';
import { MEDIA, type Layer } from './oci-types.js';
import { sortEntries, tarStream, type TarEntry } from './tar-writer.js';

/** Bumped when the tar or gzip encoding changes, so cached layers from an older encoding are not reused. */
const LAYER_FORMAT = 'slipway-layer-1';

function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

/**
 * The cache key of a layer: every entry's path, type, mode and target, plus (size, mtime, inode) for files read from
 * disk and the content hash for in-memory files. Unchanged inputs reuse the layer without reading a byte (Jib's
 * approach); a changed file changes the key.
 */
export function layerKey(entries: readonly TarEntry[]): string {
  const h = createHash('sha256').update(LAYER_FORMAT);
  for (const e of sortEntries(entries)) {
    if (e.type === 'file') {
      if (typeof e.source === 'string') {
        const st = statSync(e.source);
        h.update(`f\0${e.path}\0${e.mode}\0${e.size}\0${st.size}\0${st.mtimeMs}\0${st.ino}\n`);
      } else h.update(`b\0${e.path}\0${e.mode}\0${createHash('sha256').update(e.source).digest('hex')}\n`);
    } else if (e.type === 'dir') h.update(`d\0${e.path}\0${e.mode}\n`);
    else h.update(`l\0${e.path}\0${e.target}\n`);
  }
  return h.digest('hex');
}

/** What building a layer did: the layer, and whether it came from the cache (0 bytes written). */
export interface BuiltLayer {
  readonly layer: Layer;
  readonly cached: boolean;
  /** Uncompressed tar size. */
  readonly tarSize: number;
}

/**
 * Writes `entries` as a gzip-compressed, reproducible tar blob into `blobs` (sorted entries, fixed mtimes, gzip
 * header without a timestamp), computing the blob digest and the uncompressed diff ID in one pass. With a key
 * folder, an earlier identical layer is reused.
 */
export async function buildLayer(entries: readonly TarEntry[], blobs: BlobDir, role: string, keyDir?: string): Promise<BuiltLayer> {
  const key = keyDir ? layerKey(entries) : undefined;
  const keyFile = key && keyDir ? join(keyDir, `${key}.json`) : undefined;
  if (keyFile && existsSync(keyFile)) {
    const rec = JSON.parse(readFileSync(keyFile, 'utf8')) as { digest: string; size: number; diffId: string; tarSize: number };
    if (blobs.has(rec.digest))
      return {
        layer: { descriptor: { mediaType: MEDIA.ociLayerGzip, digest: rec.digest, size: rec.size }, diffId: rec.diffId, role },
        cached: true,
        tarSize: rec.tarSize,
      };
  }
  const diff = createHash('sha256');
  const blob = createHash('sha256');
  let tarSize = 0;
  let size = 0;
  const tmp = blobs.tempPath();
  try {
    await pipeline(
      Readable.from(tarStream(sortEntries(entries))),
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          tarSize += chunk.length;
          diff.update(chunk);
          done(null, chunk);
        },
      }),
      // level 6 is gzip's default; the stream header carries no mtime or name, so the bytes depend on content only.
      createGzip({ level: 6 }),
      hashing(blob),
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(tmp),
    );
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  const digest = `sha256:${blob.digest('hex')}`;
  const diffId = `sha256:${diff.digest('hex')}`;
  blobs.adopt(tmp, digest);
  if (keyFile && keyDir) {
    mkdirSync(keyDir, { recursive: true });
    writeFileAtomic(keyFile, JSON.stringify({ digest, size, diffId, tarSize }));
  }
  return { layer: { descriptor: { mediaType: MEDIA.ociLayerGzip, digest, size }, diffId, role }, cached: false, tarSize };
}

/** Adds the parent directories of every entry (mode 0755) so extractors create them with known permissions. */
export function withParentDirs(entries: readonly TarEntry[]): TarEntry[] {
  const have = new Set(entries.map((e) => e.path.replace(/\/$/, '')));
  const out = [...entries];
  for (const e of entries) {
    const parts = e.path.replace(/\/$/, '').split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!have.has(dir)) {
        have.add(dir);
        out.push({ path: dir, type: 'dir', mode: 0o755 });
      }
    }
  }
  return out;
}
