import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { openRemote, sha256, type Remote } from '../../src/store/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

/** A backend under test: how to open a fresh, empty remote of its kind, and how to dispose of it. */
interface RemoteBackend {
  name: string;
  open(): { remote: Remote; cleanup: () => void };
}

// Every Remote backend is listed here and must pass the same suite (S3 joins in a later issue).
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
        cleanup();
      }
    });

    test('refuses content that does not match its hash, and leaves nothing under the name', async () => {
      const { remote, cleanup } = backend.open();
      try {
        const h = sha256('the real thing');
        await assert.rejects(remote.put(h, Readable.from([Buffer.from('an impostor')])), (e) => isSlipwayError(e, 'OBJECT_CORRUPT'));
        assert.equal(await remote.has(h), false);
        assert.equal((await remote.list()).size, 0);
      } finally {
        cleanup();
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
        cleanup();
      }
    });

    test('get of a missing object fails with OBJECT_NOT_FOUND; bad ids are refused', async () => {
      const { remote, cleanup } = backend.open();
      try {
        await assert.rejects(remote.get(sha256('absent')), (e) => isSlipwayError(e, 'OBJECT_NOT_FOUND'));
        assert.equal(await remote.has(sha256('absent')), false);
        await assert.rejects(remote.get('../../etc/passwd'), (e) => isSlipwayError(e));
      } finally {
        cleanup();
      }
    });
  });
}

test('unsupported remote schemes are refused with REMOTE_UNSUPPORTED', () => {
  assert.throws(
    () => openRemote('s3://bucket/prefix'),
    (e) => isSlipwayError(e, 'REMOTE_UNSUPPORTED'),
  );
});
