import { copyFileSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sha256, writeFileAtomic } from '../store/index.js';
import { SlipwayError } from '../errors/index.js';
import type { Descriptor } from './oci-types.js';

/** `sha256:<hex>` → `<hex>` (refuses anything else, so a digest can never name a path outside the blob folder). */
export function digestHex(digest: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m) throw new SlipwayError('IMAGE_BASE_INVALID', `"${digest}" is not a sha256 digest; only sha256 content is supported`, { digest });
  return m[1]!;
}

/**
 * A folder of content-addressed blobs laid out as an OCI layout's `blobs/sha256/<hex>`: the output layout and the
 * build cache (pulled base layers, cached app layers) share the shape, so copying between them is a file copy.
 */
export class BlobDir {
  constructor(readonly root: string) {}

  /** Path of a blob (which may not exist). */
  path(digest: string): string {
    return join(this.root, 'blobs', 'sha256', digestHex(digest));
  }

  has(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  read(digest: string): Buffer {
    return readFileSync(this.path(digest));
  }

  /** A temp file path beside the blobs (same filesystem, so a rename publishes it). */
  tempPath(): string {
    const dir = join(this.root, 'blobs', 'sha256');
    mkdirSync(dir, { recursive: true });
    return join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /** Publishes a finished temp file under its digest. */
  adopt(tmp: string, digest: string): void {
    if (this.has(digest)) rmSync(tmp, { force: true });
    else renameSync(tmp, this.path(digest));
  }

  /** Stores bytes; returns their descriptor with `mediaType`. Returns the bytes written (0 when already present). */
  put(bytes: Uint8Array, mediaType: string): { descriptor: Descriptor; written: number } {
    const digest = `sha256:${sha256(bytes)}`;
    const descriptor = { mediaType, digest, size: bytes.length };
    if (this.has(digest)) return { descriptor, written: 0 };
    mkdirSync(join(this.root, 'blobs', 'sha256'), { recursive: true });
    writeFileAtomic(this.path(digest), bytes);
    return { descriptor, written: bytes.length };
  }

  /** Copies a blob from another blob folder unless it is here already; returns the bytes written. */
  copyFrom(other: BlobDir, digest: string): number {
    if (this.has(digest)) return 0;
    const tmp = this.tempPath();
    copyFileSync(other.path(digest), tmp, constants.COPYFILE_FICLONE);
    this.adopt(tmp, digest);
    return statSync(this.path(digest)).size;
  }
}
