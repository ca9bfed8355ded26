import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect } from 'node:net';
import { startModelServer, type ModelServer } from '../../src/serving/index.js';
import { openDb, type Db } from '../../src/meta/index.js';
import { createToken } from '../../src/access/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { writeTinyOnnx } from '../serving/tiny-onnx.js';

let server: ModelServer;
let strict: ModelServer;
let db: Db;
const tmp = tempDir();
let dir: string;
const url = (s: ModelServer, p: string): string => `http://127.0.0.1:${s.restPort}${p}`;
const predict = JSON.stringify({ instances: [[1, 2, 3, 4]] });

before(async () => {
  db = await openDb({ sqlitePath: join(tmp.dir, 'meta.db') });
  dir = writeTinyOnnx(join(tmp.dir, 'iris'));
  const models = [{ name: 'iris', dir, version: 1, labels: ['production'] }];
  server = await startModelServer({ db, models, restPort: 0, grpcPort: null });
  strict = await startModelServer({
    db,
    models,
    restPort: 0,
    grpcPort: null,
    access: { predictNeedsToken: true, corsOrigins: ['https://app.example.com'] },
  });
});
after(async () => {
  await server.close();
  await strict.close();
  await db.close();
  tmp.cleanup();
});

async function post(
  s: ModelServer,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; code: string | null; body: string }> {
  const r = await fetch(url(s, path), { method: 'POST', headers, body });
  return { status: r.status, code: r.headers.get('x-slipway-error-code'), body: await r.text() };
}

test('bodies are JSON only: text/plain feedback (a cross-site form post) and form-encoded predict get 415', async () => {
  const fb = await post(server, '/v1/feedback', JSON.stringify({ request_id: 'r1', label: '1' }), { 'content-type': 'text/plain' });
  assert.equal(fb.status, 415);
  assert.equal(fb.code, 'UNSUPPORTED_MEDIA_TYPE');
  const form = await post(server, '/v1/models/iris:predict', predict, { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(form.status, 415);
  assert.equal((await post(server, '/v1/models/iris:predict', predict, { 'content-type': 'application/json' })).status, 200);
});

test('CORS is off unless configured: no allow-origin header, preflights refused; a configured origin is allowed', async () => {
  const r = await fetch(url(server, '/v1/models/iris'), { headers: { origin: 'https://evil.example' } });
  assert.equal(r.headers.get('access-control-allow-origin'), null);
  const pre = await fetch(url(server, '/v1/feedback'), {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
  });
  assert.equal(pre.status, 403);
  const ok = await fetch(url(strict, '/v1/feedback'), {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
  });
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
});

test('once a token exists: predict stays open (unless required), feedback and admin routes need a developer token', async () => {
  const viewer = (await createToken(db, { name: 'dash', role: 'viewer', actor: 'test' })).token;
  const dev = (await createToken(db, { name: 'labeler', role: 'developer', actor: 'test' })).token;
  const json = { 'content-type': 'application/json' };
  const fb = JSON.stringify([{ request_id: 'r1', label: '1' }]);
  assert.equal((await post(server, '/v1/models/iris:predict', predict, json)).status, 200);
  assert.equal((await post(server, '/v1/feedback', fb, json)).status, 401);
  assert.equal((await post(server, '/v1/feedback', fb, { ...json, authorization: 'Bearer slw_bad' })).code, 'TOKEN_INVALID');
  assert.equal((await post(server, '/v1/feedback', fb, { ...json, authorization: `Bearer ${viewer}` })).status, 403);
  const good = await post(server, '/v1/feedback', fb, { ...json, authorization: `Bearer ${dev}` });
  assert.ok(good.status < 300 || good.code === 'BAD_REQUEST' || good.code === 'INPUT_INVALID', `${good.status} ${good.body}`);
  assert.notEqual(good.status, 401);
  assert.equal((await fetch(url(server, '/metrics'))).status, 401);
  assert.equal((await fetch(url(server, '/metrics'), { headers: { authorization: `Bearer ${viewer}` } })).status, 200);
  // With predict tokens required, predict needs one too.
  assert.equal((await post(strict, '/v1/models/iris:predict', predict, json)).status, 401);
  assert.equal((await post(strict, '/v1/models/iris:predict', predict, { ...json, authorization: `Bearer ${viewer}` })).status, 200);
});

test('binding beyond loopback without any token is refused (AUTH_REQUIRED) unless insecure', async () => {
  const t = tempDir();
  const fresh = await openDb({ sqlitePath: join(t.dir, 'meta.db') });
  try {
    await assert.rejects(
      startModelServer({ db: fresh, models: [{ name: 'iris', dir, version: 1 }], restPort: 0, grpcPort: null, host: '0.0.0.0' }),
      (e) => isSlipwayError(e, 'AUTH_REQUIRED'),
    );
    const s = await startModelServer({
      db: fresh,
      models: [{ name: 'iris', dir, version: 1 }],
      restPort: 0,
      grpcPort: null,
      host: '0.0.0.0',
      insecure: true,
    });
    await s.close();
  } finally {
    await fresh.close();
    t.cleanup();
  }
});

/** Sends raw bytes and returns the status line and body. */
function raw(port: number, data: string): Promise<{ status: number; body: string; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    sock.on('data', (d) => (buf += d.toString('latin1')));
    sock.on('error', reject);
    sock.on('close', () => {
      const [head = '', body = ''] = buf.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body, code: /x-slipway-error-code: (\S+)/i.exec(head)?.[1] });
    });
    sock.end(data);
  });
}

test("414, 431 and an invalid method answer with the server error shape, never Fastify's", async () => {
  for (const s of [server]) {
    const long = await raw(s.restPort, `GET /v1/models/${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.equal(long.status, 414);
    assert.equal(long.code, 'URI_TOO_LONG');
    assert.ok(!long.body.includes('statusCode'));
    const big = await raw(s.restPort, `GET /v1/models/iris HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    assert.equal(big.status, 431);
    assert.equal(big.code, 'HEADERS_TOO_LARGE');
    assert.ok(!big.body.includes('statusCode'));
    const bad = await raw(s.restPort, `FROB /v1/models/iris HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(bad.status, 405);
    assert.equal(JSON.parse(bad.body).error.length > 0, true);
  }
});
