import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { openRemote, sha256, type Remote } from '../../src/store/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { s3FromEnv, s3TestPrefix } from '../helpers/s3-test-prefix.js';

/** A backend under test: how to open a fresh, empty remote of its kind, and how to dispose of it. */
interface RemoteBackend {
  name: string;
  open(): { remote: Remote; cleanup: () => void | Promise<void> };
}

const s3 = s3FromEnv();

// Every Remote backend is listed here and must pass the same suite; S3 only where a server is configured.
const backends: RemoteBackend[] = [
  {
    name: 'filesystem path',
    open() {
      const t = tempDir();
      return { remote: openRemote(join(t.dir, 'remote')), cleanup: t.cleanup };
    },
  },
  {
    name: 'file:// URL',
    open() {
      const t = tempDir();
      return { remote: openRemote(pathToFileURL(join(t.dir, 'remote with space')).href), cleanup: t.cleanup };
    },
  },
];
if ('settings' in s3)
  backends.push({
    name: 's3:// (fresh random prefix)',
    open() {
      const p = s3TestPrefix(s3.settings, s3.bucket);
      return { remote: openRemote(p.url, process.cwd(), { s3: s3.settings }), cleanup: p.cleanup };
    },
  });
else test('Remote contract: s3://', { skip: s3.skip }, () => undefined);

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

for (const backend of backends) {
  describe(`Remote contract: ${backend.name}`, () => {
    test('put, has, get and list round-trip objects', async () => {
      const { remote, cleanup } = backend.open();
      try {
        assert.deepEqual([...(await remote.list())], []);
        const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
        const items = [Buffer.from('hello'), Buffer.alloc(0), big];
        for (const b of items) await remote.put(sha256(b), Readable.from([b]));
        for (const b of items) {
          assert.equal(await remote.has(sha256(b)), true);
          assert.ok((await readAll(await remote.get(sha256(b)))).equals(b));
        }
        assert.deepEqual([...(await remote.list())].sort(), items.map((b) => sha256(b)).sort());
        // Putting an object again is harmless.
        await remote.put(sha256('hello'), Readable.from([Buffer.from('hello')]));
        assert.equal((await remote.list()).size, 3);
      } finally {
        await cleanup();
      }
    });

    test('refuses content that does not match its hash, and leaves nothing under the name', async () => {
      const { remote, cleanup } = backend.open();
      try {
        const h = sha256('the real thing');
        await assert.rejects(remote.put(h, Readable.from([Buffer.from('an impostor')])), (e) => isSlipwayError(e, 'OBJECT_CORRUPT'));
        assert.equal(await remote.has(h), false);
        // The same from a file stream (how push sends local objects), which backends may read by path.
        const t = tempDir({ impostor: 'an impostor' });
        try {
          const file = createReadStream(join(t.dir, 'impostor'));
          await assert.rejects(remote.put(h, file), (e) => isSlipwayError(e, 'OBJECT_CORRUPT'));
        } finally {
          t.cleanup();
        }
        assert.equal(await remote.has(h), false);
        assert.equal((await remote.list()).size, 0);
      } finally {
        await cleanup();
      }
    });

    test('an interrupted upload leaves no object, and a retry succeeds', async () => {
      const { remote, cleanup } = backend.open();
      try {
        const body = Buffer.from('x'.repeat(100_000));
        const h = sha256(body);
        const failing = new Readable({
          read() {
            this.push(body.subarray(0, 1000));
            this.destroy(new Error('connection reset'));
          },
        });
        await assert.rejects(remote.put(h, failing));
        assert.equal(await remote.has(h), false);
        await remote.put(h, Readable.from([body]));
        assert.ok((await readAll(await remote.get(h))).equals(body));
      } finally {
        await cleanup();
      }
    });

    test('get of a missing object fails with OBJECT_NOT_FOUND; bad ids are refused', async () => {
      const { remote, cleanup } = backend.open();
      try {
        await assert.rejects(remote.get(sha256('absent')), (e) => isSlipwayError(e, 'OBJECT_NOT_FOUND'));
        assert.equal(await remote.has(sha256('absent')), false);
        await assert.rejects(remote.get('../../etc/passwd'), (e) => isSlipwayError(e));
      } finally {
        await cleanup();
      }
    });
  });
}

test('unsupported remote schemes are refused with REMOTE_UNSUPPORTED', () => {
  assert.throws(
    () => openRemote('ftp://host/prefix'),
    (e) => isSlipwayError(e, 'REMOTE_UNSUPPORTED'),
  );
});

test('s3:// remotes: a malformed URL is a usage error; missing credentials are CONFIG_INVALID on first use', async () => {
  assert.throws(
    () => openRemote('s3://Bad_Bucket/x'),
    (e) => isSlipwayError(e, 'USAGE'),
  );
  const r = openRemote('s3://bucket/prefix', '/', { s3: { endpoint: 'http://127.0.0.1:9' } });
  assert.equal(r.url, 's3://bucket/prefix');
  await assert.rejects(r.list(), (e) => isSlipwayError(e, 'CONFIG_INVALID'));
  await assert.rejects(r.has(sha256('x')), (e) => isSlipwayError(e, 'CONFIG_INVALID'));
});

describe('s3:// remote errors', { skip: 'skip' in s3 ? s3.skip : false }, () => {
  test('a wrong secret and a missing bucket fail with REMOTE_FAILED carrying the S3 error code', async () => {
    if (!('settings' in s3)) return;
    const wrong = openRemote(`s3://${s3.bucket}/x`, '/', { s3: { ...s3.settings, secretAccessKey: 'not-the-secret' } });
    await assert.rejects(wrong.list(), (e) => isSlipwayError(e, 'REMOTE_FAILED') && e.details?.s3Code === 'SignatureDoesNotMatch');
    const nobucket = openRemote('s3://slipway-no-such-bucket/x', '/', { s3: s3.settings });
    await assert.rejects(nobucket.list(), (e) => isSlipwayError(e, 'REMOTE_FAILED') && e.details?.s3Code === 'NoSuchBucket');
  });
});
