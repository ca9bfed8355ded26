import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/app.js';
import { openDb, type Db } from '../../src/meta/index.js';
import { openObjectStore, readTree, type ObjectStore } from '../../src/store/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';

let app: FastifyInstance;
let db: Db;
let store: ObjectStore;
let root: string;
let cleanup: () => void;
let runId: string;

before(async () => {
  const t = tempWorkspace({ 'models/readme.txt': 'not a model' });
  cleanup = t.cleanup;
  root = t.dir;
  db = await openDb({ sqlitePath: t.ws.dbPath });
  store = openObjectStore(t.ws.objectsDir);
  app = await buildServer({ workspace: t.ws, db, store, quotaBytes: 64 * 1024 });
  runId = (await json('POST', '/api/runs', { experiment: 'e' })).json().run.id;
});
after(async () => {
  await app.close();
  await db.close();
  cleanup();
});

function json(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
  return app.inject({
    method,
    url,
    payload: payload === undefined ? undefined : JSON.stringify(payload),
    headers: { 'content-type': 'application/json' },
  });
}

async function putObject(bytes: Buffer): Promise<string> {
  const hash = createHash('sha256').update(bytes).digest('hex');
  const r = await app.inject({
    method: 'PUT',
    url: `/api/objects/${hash}`,
    payload: bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(r.statusCode, 200, r.body);
  return hash;
}

test('tree modes from a client are masked to 0644/0755: 3583 (setuid, setgid, sticky, rwx for all) becomes 0755', async () => {
  const hash = await putObject(Buffer.from('weights'));
  const r = await json('POST', `/api/runs/${runId}/artifacts`, {
    path: 'model',
    kind: 'tree',
    entries: [
      { path: 'model.onnx', hash, size: 7, mode: 3583 },
      { path: 'notes.txt', hash, size: 7, mode: 0o4644 },
    ],
  });
  assert.equal(r.statusCode, 200, r.body);
  const modes = readTree(store, r.json().artifact.hash).entries.map((e) => [e.path, e.mode]);
  assert.deepEqual(modes, [
    ['model.onnx', 0o755],
    ['notes.txt', 0o644],
  ]);
});

test('NUL and control characters are refused in tree paths, artifact paths and names', async () => {
  const hash = await putObject(Buffer.from('x'));
  const nul = await json('POST', `/api/runs/${runId}/artifacts`, {
    path: 'm',
    kind: 'tree',
    entries: [{ path: 'model\u0000.onnx', hash, size: 1, mode: 0o644 }],
  });
  assert.equal(nul.statusCode, 400);
  assert.equal(nul.json().error.code, 'NAME_INVALID');
  const exp = await json('POST', '/api/runs', { experiment: 'a\u0007b' });
  assert.equal(exp.json().error.code, 'NAME_INVALID');
  const tag = await json('POST', `/api/runs/${runId}/tags`, { tags: { 'k\u001b[31m': 'v' } });
  assert.equal(tag.json().error.code, 'NAME_INVALID');
  const raw = await app.inject({
    method: 'PUT',
    url: `/api/runs/${runId}/artifacts/a%00b`,
    payload: 'x',
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(raw.statusCode, 400);
});

test('the workspace artifact quota refuses uploads past it (QUOTA_EXCEEDED, 413) and keeps serving', async () => {
  const big = Buffer.alloc(80 * 1024, 1);
  const r = await app.inject({
    method: 'PUT',
    url: `/api/runs/${runId}/artifacts/big.bin`,
    payload: big,
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(r.statusCode, 413);
  assert.equal(r.json().error.code, 'QUOTA_EXCEEDED');
  const small = await app.inject({
    method: 'PUT',
    url: `/api/runs/${runId}/artifacts/small.bin`,
    payload: Buffer.alloc(1024, 2),
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(small.statusCode, 200, small.body);
});

test('registering {"path": ".slipway"} answers 400 without absolute paths or a listing of the store', async () => {
  for (const path of ['.slipway', '.slipway/objects', 'models']) {
    const r = await json('POST', '/api/models/x/versions', { path });
    assert.equal(r.statusCode, 400, r.body);
    assert.ok(!r.body.includes(root), r.body);
    assert.ok(!/files:|meta\.db|slipway\.db|[0-9a-f]{2}\/[0-9a-f]{10}/.test(r.json().error.message), r.body);
  }
});

test('control plane: a text/plain body is 415, a long URL is 414, all in the catalogue shape', async () => {
  const t = await app.inject({
    method: 'POST',
    url: '/api/runs',
    payload: '{"experiment":"e"}',
    headers: { 'content-type': 'text/plain' },
  });
  assert.equal(t.statusCode, 415);
  assert.equal(t.json().error.code, 'UNSUPPORTED_MEDIA_TYPE');
  const long = await app.inject({ method: 'GET', url: `/api/runs?experiment=${'a'.repeat(9000)}` });
  assert.equal(long.statusCode, 414);
  assert.equal(long.json().error.code, 'URI_TOO_LONG');
});
