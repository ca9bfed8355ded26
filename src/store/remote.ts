import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { SlipwayError } from '../errors/index.js';
import { openFsRemote } from './fs-remote.js';

/**
 * Where objects go with `slipway data push`: the same content-addressed layout as the local store (`ab/cdef…`).
 * Every backend (filesystem now; S3 in a later issue) passes test/contract/remote.test.ts.
 */
export interface Remote {
  readonly url: string;
  has(hash: string): Promise<boolean>;
  /** Every object the remote holds. */
  list(): Promise<Set<string>>;
  /** Stores an object from a stream; the remote verifies the hash and writes atomically, so a retry is always safe. */
  put(hash: string, body: Readable): Promise<void>;
  /** A stream of an object's bytes; OBJECT_NOT_FOUND when the remote lacks it. */
  get(hash: string): Promise<Readable>;
}

/** Opens a remote from its URL: a filesystem path (relative to `baseDir`) or `file://` URL. */
export function openRemote(url: string, baseDir: string = process.cwd()): Remote {
  if (url.startsWith('file://')) return openFsRemote(fileURLToPath(url), url);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
  if (scheme)
    throw new SlipwayError(
      'REMOTE_UNSUPPORTED',
      `remote URL scheme "${scheme}://" is not supported yet; use a filesystem path or file:// URL (S3 remotes come in a later release)`,
      { url },
    );
  return openFsRemote(isAbsolute(url) ? url : resolve(baseDir, url), url);
}
