import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/app.js';
import { openDb, type Db } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';

let app: FastifyInstance;
let db: Db;
let cleanup: () => void;

before(async () => {
  const t = tempWorkspace();
  cleanup = t.cleanup;
  db = await openDb({ sqlitePath: t.ws.dbPath });
  app = await buildServer({ workspace: t.ws, db, store: openObjectStore(t.ws.objectsDir), bodyLimit: 4096 });
});
after(async () => {
  await app.close();
  await db.close();
  cleanup();
});

const json = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
  app.inject({
    method,
    url,
    payload: payload === undefined ? undefined : JSON.stringify(payload),
    headers: payload === undefined ? {} : { 'content-type': 'application/json' },
  });

async function healthy(): Promise<void> {
  const r = await app.inject({ method: 'GET', url: '/api/health' });
  assert.equal(r.statusCode, 200);
  assert.equal(r.json().status, 'ok');
}

test('runs over REST: create, log-batch, history with paging, end, list', async () => {
  const c = await json('POST', '/api/runs', { experiment: 'curl', name: 'py', params: { lr: 0.1 } });
  assert.equal(c.statusCode, 201);
  const id = c.json().run.id as string;
  const metrics = Array.from({ length: 30 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), step: i, timestamp: 1000 + i }));
  assert.equal((await json('POST', `/api/runs/${id}/log-batch`, { metrics, tags: { lang: 'python' } })).statusCode, 200);
  assert.equal((await json('POST', `/api/runs/${id}/params`, { params: { epochs: 3 } })).statusCode, 200);
  const p1 = await app.inject({ url: `/api/runs/${id}/metrics/loss/history?offset=0&limit=20` });
  assert.equal(p1.json().points.length, 20);
  assert.equal(p1.json().next_offset, 20);
  const p2 = await app.inject({ url: `/api/runs/${id}/metrics/loss/history?offset=20&limit=20` });
  assert.equal(p2.json().points.length, 10);
  assert.equal(p2.json().next_offset, null);
  const end = await json('POST', `/api/runs/${id}/end`, { status: 'FINISHED' });
  assert.equal(end.json().run.status, 'FINISHED');
  const list = await app.inject({
    url: `/api/runs?experiment=curl&where=${encodeURIComponent('metrics.loss < 0.1')}&order_by=${encodeURIComponent('metrics.loss asc')}`,
  });
  assert.equal(list.statusCode, 200);
  assert.deepEqual(
    list.json().runs.map((r: { id: string }) => r.id),
    [id],
  );
  assert.deepEqual(list.json().runs[0].params, { epochs: '3', lr: '0.1' });
});

test('raw artifact upload and download; a path that escapes is refused', async () => {
  const id = (await json('POST', '/api/runs', { experiment: 'art' })).json().run.id as string;
  const up = await app.inject({ method: 'PUT', url: `/api/runs/${id}/artifacts/out/model.bin`, payload: Buffer.from([1, 2, 3, 4]) });
  assert.equal(up.statusCode, 200, up.body);
  assert.equal(up.json().artifact.size, 4);
  // Uploads are streamed, so the JSON body limit (4 KiB here) does not apply to them.
  const big = await app.inject({
    method: 'PUT',
    url: `/api/runs/${id}/artifacts/big.bin`,
    payload: Buffer.alloc(64 * 1024, 9),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(big.statusCode, 200, big.body);
  const down = await app.inject({ url: `/api/runs/${id}/artifacts/out/model.bin` });
  assert.equal(down.statusCode, 200);
  assert.deepEqual([...down.rawPayload], [1, 2, 3, 4]);
  const esc = await app.inject({ method: 'PUT', url: `/api/runs/${id}/artifacts/..%2F..%2Fetc%2Fpasswd`, payload: Buffer.from('x') });
  assert.equal(esc.statusCode, 400);
  assert.equal(esc.json().error.code, 'PATH_ESCAPES');
  const missing = await app.inject({ url: `/api/runs/${id}/artifacts/nope.bin` });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'ARTIFACT_NOT_FOUND');
  const noRun = await app.inject({ method: 'PUT', url: `/api/runs/NOPE/artifacts/a.bin`, payload: Buffer.from('x') });
  assert.equal(noRun.json().error.code, 'RUN_NOT_FOUND');
});

test('bad requests get 4xx with { error: { code, message } } and the server keeps serving', async () => {
  const malformed = await app.inject({
    method: 'POST',
    url: '/api/runs',
    payload: '{"experiment": ',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().error.code, 'MALFORMED_JSON');
  assert.equal(typeof malformed.json().error.message, 'string');
  await healthy();
  const tooBig = await json('POST', '/api/runs', { experiment: 'x', tags: { pad: 'y'.repeat(10_000) } });
  assert.equal(tooBig.statusCode, 413);
  assert.equal(tooBig.json().error.code, 'BODY_TOO_LARGE');
  await healthy();
  const nowhere = await app.inject({ url: '/api/nowhere' });
  assert.equal(nowhere.statusCode, 404);
  assert.equal(nowhere.json().error.code, 'ROUTE_NOT_FOUND');
  const invalid = await json('POST', '/api/runs', { name: 'no experiment' });
  assert.equal(invalid.statusCode, 400);
  assert.equal(invalid.json().error.code, 'BAD_REQUEST');
  const unknown = await app.inject({ url: '/api/runs/01UNKNOWN' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error.code, 'RUN_NOT_FOUND');
  const filter = await app.inject({ url: `/api/runs?where=${encodeURIComponent('metrics.acc >>> 1')}` });
  assert.equal(filter.statusCode, 400);
  assert.equal(filter.json().error.code, 'FILTER_INVALID');
  const badMetric = await json('POST', `/api/runs/${unknownRunId()}/log-batch`, { metrics: [{ key: 'a', value: 'high' }] });
  assert.equal(badMetric.statusCode, 400);
  const empty = await app.inject({ method: 'POST', url: '/api/runs', payload: '', headers: { 'content-type': 'application/json' } });
  assert.equal(empty.statusCode, 400);
  await healthy();
});

function unknownRunId(): string {
  return '01ANY';
}

test('unexpected errors answer 500 INTERNAL without a stack, and the server keeps serving', async () => {
  const t = tempWorkspace();
  const broken = await openDb({ sqlitePath: t.ws.dbPath });
  const srv = await buildServer({ workspace: t.ws, db: broken, store: openObjectStore(t.ws.objectsDir) });
  try {
    srv.get('/api/boom', async () => {
      throw new TypeError('secret internals at /home/x/app.js:1');
    });
    const r = await srv.inject({ url: '/api/boom' });
    assert.equal(r.statusCode, 500);
    assert.equal(r.json().error.code, 'INTERNAL');
    assert.doesNotMatch(r.body, /secret internals|app\.js|at /);
    assert.equal((await srv.inject({ url: '/api/health' })).statusCode, 200);
  } finally {
    await srv.close();
    await broken.close();
    t.cleanup();
  }
});

test('bearer-token auth when a token is configured (health stays open)', async () => {
  const t = tempWorkspace();
  const d = await openDb({ sqlitePath: t.ws.dbPath });
  const srv = await buildServer({ workspace: t.ws, db: d, store: openObjectStore(t.ws.objectsDir), token: 's3cret' });
  try {
    assert.equal((await srv.inject({ url: '/api/health' })).statusCode, 200);
    const no = await srv.inject({ url: '/api/runs' });
    assert.equal(no.statusCode, 401);
    assert.equal(no.json().error.code, 'UNAUTHORIZED');
    assert.equal((await srv.inject({ url: '/api/runs', headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
    assert.equal((await srv.inject({ url: '/api/runs', headers: { authorization: 'Bearer s3cret' } })).statusCode, 200);
  } finally {
    await srv.close();
    await d.close();
    t.cleanup();
  }
});

test('over a real socket: a truncated body and a garbage request do not take the server down', async () => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((resolve) => {
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/runs',
      headers: { 'content-type': 'application/json', 'content-length': '100' },
    });
    req.on('error', () => resolve());
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.write('{"experiment":');
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 50);
  });
  const res = await fetch(`http://127.0.0.1:${port}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '[1,2',
  });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'MALFORMED_JSON');
  const h = await fetch(`http://127.0.0.1:${port}/api/health`);
  assert.equal(h.status, 200);
});
