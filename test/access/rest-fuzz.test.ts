import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { buildServer } from '../../src/server/app.js';
import { startModelServer } from '../../src/serving/index.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { createRng } from '../../src/engine/random.js';
import { tempDir, tempWorkspace } from '../helpers/temp-workspace.js';
import { writeTinyOnnx } from '../serving/tiny-onnx.js';

/** A seeded generator of malformed requests: JSON shapes, depths, sizes, encodings, content types, headers. */
function generator(seed: number) {
  const rng = createRng(seed);
  const r = (): number => rng.next();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const scalar = (): unknown =>
    pick([0, -1, 1.5, 1e308, 'x', '', null, true, {}, [], 'NaN', 2 ** 53 + 1, 'a\u0000b', '\u202e', 'é'.repeat(50)]);
  const value = (depth: number): unknown => {
    if (depth > 5 || r() < 0.3) return scalar();
    if (r() < 0.5) return Array.from({ length: Math.floor(r() * 6) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(r() * 5) }, () => [
        pick([
          'experiment',
          'name',
          'path',
          'kind',
          'entries',
          'metrics',
          'params',
          'tags',
          'version',
          'status',
          'instances',
          'inputs',
          '__proto__',
          'constructor',
          'hashes',
          'force',
          'actor',
        ]),
        value(depth + 1),
      ]),
    );
  };
  const body = (): string | undefined => {
    const k = r();
    if (k < 0.1) return undefined;
    if (k < 0.2) return JSON.stringify(value(0)).slice(0, Math.floor(r() * 60));
    if (k < 0.3) return String.fromCharCode(...Array.from({ length: 48 }, () => Math.floor(r() * 256)));
    if (k < 0.35) return '['.repeat(3000) + ']'.repeat(3000);
    if (k < 0.4) return `{"a":${'1'.repeat(5000)}}`;
    return JSON.stringify(value(0));
  };
  const ct = (): string | undefined =>
    pick([
      'application/json',
      'application/json',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      undefined,
      'application/octet-stream',
    ]);
  const method = (): string => pick(['GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
  return { r, pick, body, ct, method };
}

/** Raw, malformed HTTP/1.1 (framing the parser rejects): the answer must be a 4xx in the server's shape, or a closed socket. */
function rawRequest(port: number, data: string): Promise<number | null> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    sock.setTimeout(5000, () => sock.destroy());
    sock.on('data', (d) => (buf += d.toString('latin1')));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(buf);
      resolve(m ? Number(m[1]) : null);
    });
    sock.end(data);
  });
}

const RAW = [
  'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
  'POST /api/runs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc',
  'GET /api/runs HTTP/1.1\r\nHost: x\r\nX: \u0000\r\n\r\n',
  'FROB /api/runs HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/runs HTTP/9.9\r\nHost: x\r\n\r\n',
  `GET /api/runs HTTP/1.1\r\nHost: x\r\nX-A: ${'b'.repeat(20_000)}\r\n\r\n`,
  'GET\r\n\r\n',
  'POST /api/runs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
];

test('control plane fuzz: 5,000 malformed requests, zero 5xx, every error in the catalogue shape, bounded memory', async () => {
  const t = tempWorkspace();
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const app = await buildServer({
    workspace: t.ws,
    db,
    store: openObjectStore(t.ws.objectsDir),
    bodyLimit: 64 * 1024,
    quotaBytes: 1024 * 1024,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  try {
    const g = generator(19);
    const run = (await app.inject({ method: 'POST', url: '/api/runs', payload: { experiment: 'f' } })).json().run.id as string;
    const paths = [
      '/api/runs',
      `/api/runs/${run}`,
      `/api/runs/${run}/log-batch`,
      `/api/runs/${run}/params`,
      `/api/runs/${run}/tags`,
      `/api/runs/${run}/end`,
      `/api/runs/${run}/artifacts`,
      `/api/runs/${run}/artifacts/a%00b`,
      `/api/runs/${run}/artifacts/../../etc/passwd`,
      `/api/runs/${run}/metrics/loss/history?limit=-1`,
      '/api/objects/missing',
      '/api/objects/zz',
      '/api/models',
      '/api/models/x/versions',
      '/api/models/x/aliases/production',
      '/api/models/x/aliases/production/promote',
      '/api/models/%E0%A4%A',
      '/api/datasets/x@99/files/..%2f..%2fmeta.db',
      '/api/runs?where=metrics.loss%20%3C%20%27x&order_by=;drop',
      `/api/${'a'.repeat(200)}`,
      '/api/health',
    ];
    const rss0 = process.memoryUsage().rss;
    const statuses = new Map<number, number>();
    for (let i = 0; i < 5000; i++) {
      const method = g.method();
      const b = method === 'GET' || method === 'HEAD' ? undefined : g.body();
      const ct = g.ct();
      const headers: Record<string, string> = {};
      if (ct && b !== undefined) headers['content-type'] = ct;
      if (g.r() < 0.1) headers.authorization = g.pick(['Bearer ', 'Bearer slw_x', 'Basic Zm9v', 'Bearer ' + 'x'.repeat(2000)]);
      const res = await app.inject({ method: method as 'GET', url: g.pick(paths), payload: b, headers });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      assert.ok(res.statusCode < 500, `${method} → ${res.statusCode}: ${res.body.slice(0, 200)}`);
      if (res.statusCode >= 400 && method !== 'HEAD') {
        const e = (res.json() as { error?: { code?: unknown; message?: unknown } }).error;
        assert.equal(typeof e?.code, 'string', res.body.slice(0, 200));
        assert.equal(typeof e?.message, 'string');
        assert.ok(!String(e?.message).includes(t.dir), res.body.slice(0, 300));
      }
    }
    for (const raw of RAW) {
      const s = await rawRequest(port, raw);
      assert.ok(s === null || (s >= 400 && s < 500), `raw request answered ${s}: ${JSON.stringify(raw.slice(0, 60))}`);
    }
    assert.equal((await app.inject({ url: '/api/health' })).statusCode, 200);
    assert.ok(process.memoryUsage().rss - rss0 < 300 * 1024 * 1024);
    assert.ok([...statuses.keys()].filter((s) => s >= 400).length >= 4, JSON.stringify([...statuses]));
  } finally {
    await app.close();
    await db.close();
    t.cleanup();
  }
});

test('model server fuzz: 5,000 malformed requests over real sockets, zero 5xx, errors in the TF Serving shape, bounded memory', async () => {
  const t = tempDir();
  const db = await openDb({ sqlitePath: join(t.dir, 'meta.db') });
  const server = await startModelServer({
    db,
    models: [{ name: 'iris', dir: writeTinyOnnx(join(t.dir, 'm')) }],
    restPort: 0,
    grpcPort: null,
    bodyLimit: 64 * 1024,
  });
  const base = `http://127.0.0.1:${server.restPort}`;
  try {
    const g = generator(1919);
    const paths = [
      '/v1/models/iris:predict',
      '/v1/models/iris:classify',
      '/v1/models/iris/versions/1:predict',
      '/v1/models/iris/labels/%E0%A4%A:predict',
      '/v1/models/iris/metadata',
      '/v1/models/iris/monitoring?window=zzz',
      '/v2/models/iris/infer',
      '/v2/models/iris/versions/abc/infer',
      '/v1/feedback',
      '/metrics',
      `/v1/models/${'m'.repeat(300)}:predict`,
    ];
    const rss0 = process.memoryUsage().rss;
    let i = 0;
    const worker = async (): Promise<void> => {
      while (i < 5000) {
        i++;
        const method = g.pick(['GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH']);
        const b = method === 'GET' ? undefined : g.body();
        const ct = g.ct();
        const res = await fetch(base + g.pick(paths), { method, headers: ct && b !== undefined ? { 'content-type': ct } : {}, body: b });
        const text = await res.text();
        assert.ok(res.status < 500, `${method} → ${res.status}: ${text.slice(0, 200)}`);
        if (res.status >= 400) assert.equal(typeof (JSON.parse(text) as { error?: unknown }).error, 'string', text.slice(0, 200));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    for (const raw of RAW) {
      const s = await rawRequest(server.restPort, raw.replace('/api/runs', '/v1/models/iris:predict'));
      assert.ok(s === null || (s >= 400 && s < 500), `raw request answered ${s}`);
    }
    const ok = await fetch(`${base}/v1/models/iris:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"instances":[[1,2,3,4]]}',
    });
    assert.equal(ok.status, 200);
    assert.ok(process.memoryUsage().rss - rss0 < 300 * 1024 * 1024);
  } finally {
    await server.close();
    await db.close();
    t.cleanup();
  }
});
