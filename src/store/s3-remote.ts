import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, ReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as pipeStreams, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { SlipwayError } from '../errors/index.js';
import { isHash } from './hash.js';
import { receiveObject } from './receive-object.js';
import type { Remote } from './remote.js';

/** Where an S3 remote connects: the shape of `Settings['s3']`, read from S3_* env at the CLI edge. */
export interface S3Settings {
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  bucket?: string;
}

/** PutObject's single-request limit; bigger objects would need multipart upload, which this remote does not do. */
const MAX_SINGLE_PUT = 5 * 1024 ** 3;

/** Splits `s3://bucket/some/prefix` into bucket and a key prefix that is empty or ends with "/". */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]*)\/?(.*)$/i.exec(url);
  const bucket = m?.[1] ?? '';
  if (!m || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new SlipwayError('USAGE', `"${url}" is not an S3 remote URL; write it as s3://BUCKET/PREFIX (lower-case bucket name)`, {
      url,
    });
  const prefix = m[2]!.replace(/^\/+|\/+$/g, '');
  return { bucket, prefix: prefix === '' ? '' : `${prefix}/` };
}

/** The S3 error's code (e.g. NoSuchBucket) and HTTP status, or a network error's code (e.g. ECONNREFUSED). */
function errorInfo(e: unknown): { code: string; status: number | undefined } {
  const err = e as { name?: string; code?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return { code: err.Code ?? err.code ?? err.name ?? 'Error', status: err.$metadata?.httpStatusCode };
}

function hintFor(code: string, status: number | undefined): string {
  if (code === 'NoSuchBucket') return 'create the bucket or fix the bucket name in the remote URL';
  if (code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch') return 'check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY';
  if (code === 'AccessDenied' || status === 403) return 'the credentials lack permission on this bucket/prefix';
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|TimeoutError/.test(code))
    return 'check that S3_ENDPOINT points at a running S3 server';
  return 'run the command again to resume; only missing objects travel';
}

/**
 * A remote in an S3 bucket (AWS or any S3-compatible server), with the local store's layout under the URL's
 * prefix: `PREFIX/objects/ab/cdef…`. The SDK loads and credentials are checked on first use, so opening
 * (e.g. for `slipway remote add`) needs no network and no secrets.
 */
export function openS3Remote(url: string, settings: S3Settings = {}): Remote {
  const { bucket, prefix } = parseS3Url(url);
  const keyOf = (hash: string): string => {
    if (!isHash(hash)) throw new SlipwayError('OBJECT_NOT_FOUND', `"${hash}" is not a sha256 object id`, { hash });
    return `${prefix}objects/${hash.slice(0, 2)}/${hash.slice(2)}`;
  };
  const failed = (op: string, e: unknown): SlipwayError => {
    if (e instanceof SlipwayError) return e;
    const { code, status } = errorInfo(e);
    return new SlipwayError(
      'REMOTE_FAILED',
      `S3 ${op} on ${url} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${(e as Error).message}; ${hintFor(code, status)}`,
      { url, s3Code: code, status },
    );
  };

  let client: Promise<{ s3: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> | undefined;
  const connect = (): Promise<{ s3: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> =>
    (client ??= (async () => {
      if (!settings.accessKeyId || !settings.secretAccessKey)
        throw new SlipwayError(
          'CONFIG_INVALID',
          `remote ${url} needs S3 credentials; set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (and S3_ENDPOINT for a non-AWS server, S3_REGION if not us-east-1)`,
          { url },
        );
      // Loaded on first use: the SDK takes a noticeable time to import, and most commands never talk to S3.
      const sdk = await import('@aws-sdk/client-s3');
      const s3 = new sdk.S3Client({
        endpoint: settings.endpoint,
        region: settings.region ?? 'us-east-1',
        credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
        forcePathStyle: true,
        // Without these the SDK sends streamed bodies aws-chunked with trailing CRC32s, which radosgw and
        // other S3-compatible servers refuse (411 MissingContentLength); integrity is our own sha256 instead.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      return { s3, sdk };
    })());

  /** Uploads a file already known to hold exactly the object's bytes. PutObject is atomic: no partial objects. */
  const upload = async (key: string, file: string): Promise<void> => {
    const { size } = await stat(file);
    if (size > MAX_SINGLE_PUT)
      throw new SlipwayError('REMOTE_FAILED', `object of ${size} bytes exceeds S3's 5 GiB single-upload limit; split the file`, {
        url,
        size,
      });
    const { s3, sdk } = await connect();
    await s3.send(
      new sdk.PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(file, { highWaterMark: 1 << 20 }),
        ContentLength: size,
        ContentType: 'application/octet-stream',
      }),
    );
  };

  return {
    url,
    async has(hash) {
      const key = keyOf(hash);
      const { s3, sdk } = await connect();
      try {
        await s3.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (e) {
        if (errorInfo(e).status === 404) return false;
        throw failed('HeadObject', e);
      }
    },
    async list() {
      const { s3, sdk } = await connect();
      const out = new Set<string>();
      const base = `${prefix}objects/`;
      let token: string | undefined;
      do {
        let page;
        try {
          page = await s3.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: base, ContinuationToken: token }));
        } catch (e) {
          throw failed('ListObjectsV2', e);
        }
        for (const o of page.Contents ?? []) {
          const m = /^([0-9a-f]{2})\/([0-9a-f]{62})$/.exec(o.Key?.slice(base.length) ?? '');
          if (m) out.add(m[1]! + m[2]!);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
    async put(hash, body) {
      const key = keyOf(hash);
      // Nothing is uploaded until the bytes are known to hash to `hash`. Local store files (immutable) are
      // hashed in place; any other stream is spooled to a verified temp file first.
      // Node keeps a file stream's range on it (not in its types): only a whole, unread file may be read by path.
      const range = body as unknown as { start?: number; end?: number };
      const whole = body instanceof ReadStream && range.start === undefined && range.end === Infinity && body.bytesRead === 0;
      if (whole && typeof body.path === 'string') {
        const file = body.path;
        body.destroy();
        const h = createHash('sha256');
        await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), h);
        const got = h.digest('hex');
        if (got !== hash)
          throw new SlipwayError('OBJECT_CORRUPT', `${file} hashes to ${got}, not ${hash}; run \`slipway fsck\``, { hash, actual: got });
        try {
          await upload(key, file);
        } catch (e) {
          throw failed('PutObject', e);
        }
        return;
      }
      const tmp = join(tmpdir(), `slipway-s3-${process.pid}-${randomBytes(6).toString('hex')}`, hash);
      try {
        await receiveObject(tmp, hash, body);
        await upload(key, tmp);
      } catch (e) {
        throw failed('PutObject', e);
      } finally {
        await rm(join(tmp, '..'), { recursive: true, force: true });
      }
    },
    async get(hash) {
      const key = keyOf(hash);
      const { s3, sdk } = await connect();
      let res;
      try {
        res = await s3.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
      } catch (e) {
        const { code, status } = errorInfo(e);
        if (status === 404 || code === 'NoSuchKey')
          throw new SlipwayError('OBJECT_NOT_FOUND', `remote ${url} has no object ${hash}; push it from a workspace that has it`, {
            hash,
            url,
          });
        throw failed('GetObject', e);
      }
      // pipeline, not pipe: a connection error mid-download must reach the reader instead of stalling it.
      return pipeStreams(res.Body as Readable, verifying(hash), () => undefined);
    },
  };
}

/** Passes bytes through and fails the stream at its end when they do not hash to `hash`, so no reader trusts a bad object. */
function verifying(hash: string): Transform {
  const h = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      const got = h.digest('hex');
      cb(
        got === hash
          ? null
          : new SlipwayError('OBJECT_CORRUPT', `object ${hash} downloaded from S3 hashes to ${got}; the remote copy is corrupt`, {
              hash,
              actual: got,
            }),
      );
    },
  });
}
