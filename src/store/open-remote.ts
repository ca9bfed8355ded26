import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SlipwayError } from '../errors/index.js';
import { openFsRemote } from './fs-remote.js';
import type { Remote } from './remote.js';
import { openS3Remote, type S3Settings } from './s3-remote.js';

/** What a remote may need besides its URL, passed down from the edge (settings are never read from env here). */
export interface OpenRemoteOptions {
  /** Endpoint, credentials and region for `s3://` remotes (`Settings['s3']`). */
  s3?: S3Settings;
}

/** Opens a remote from its URL: a filesystem path (relative to `baseDir`), a `file://` URL or `s3://BUCKET/PREFIX`. */
export function openRemote(url: string, baseDir: string = process.cwd(), opts: OpenRemoteOptions = {}): Remote {
  if (url.startsWith('file://')) return openFsRemote(fileURLToPath(url), url);
  if (/^s3:\/\//i.test(url)) return openS3Remote(url, opts.s3);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
  if (scheme)
    throw new SlipwayError(
      'REMOTE_UNSUPPORTED',
      `remote URL scheme "${scheme}://" is not supported; use a filesystem path, a file:// URL or s3://BUCKET/PREFIX`,
      { url },
    );
  return openFsRemote(isAbsolute(url) ? url : resolve(baseDir, url), url);
}
