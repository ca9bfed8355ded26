import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startModelServer } from '../../src/serving/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { writeTinyOnnx } from '../serving/tiny-onnx.js';
import { createRng } from '../../src/engine/random.js';

/** The engine's seeded PRNG (mulberry32), as a plain function. */
const rng = (seed: number): (() => number) => createRng(seed).next;

test('fuzz: thousands of malformed requests each get a clean 4xx and the server survives', async () => {
  const t = tempDir();
  const server = await startModelServer({
    models: [{ name: 'iris', dir: writeTinyOnnx(join(t.dir, 'm')) }],
    restPort: 0,
    grpcPort: null,
    bodyLimit: 32 * 1024,
  });
  const base = `http://127.0.0.1:${server.restPort}`;
  const r = rng(20261127);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const scalar = (): unknown => pick([0, -1, 1.5, 1e308, -1e308, 'x', '', null, true, false, {}, [], 'NaN', 2 ** 53 + 1, -0]);
  const value = (depth: number): unknown => {
    if (depth > 4 || r() < 0.3) return scalar();
    if (r() < 0.6) return Array.from({ length: Math.floor(r() * 6) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(r() * 4) }, () => [
        pick(['x', 'instances', 'inputs', 'name', 'shape', 'datatype', 'data', '__proto__', 'constructor']),
        value(depth + 1),
      ]),
    );
  };
  const paths = [
    '/v1/models/iris:predict',
    '/v1/models/iris:classify',
    '/v1/models/iris:regress',
    '/v1/models/iris/versions/1:predict',
    '/v1/models/iris/versions/99999999999999999999:predict',
    '/v1/models/iris/labels/%E0%A4%A:predict',
    '/v1/models/%ZZ',
    '/v1/models/iris/metadata',
    '/v1/models/iris',
    '/v1/models/iris/monitoring?window=zzz',
    '/v2/models/iris/infer',
    '/v2/models/iris/versions/abc/infer',
    '/v2/models/iris/ready',
    '/v1/feedback',
    '/v1/models/:predict',
    '/v1/models/iris::predict',
    '/' + 'a'.repeat(3000),
  ];
  const body = (): string | undefined => {
    const k = r();
    if (k < 0.1) return undefined;
    if (k < 0.2) return JSON.stringify(value(0)).slice(0, Math.floor(r() * 50)); // truncated JSON
    if (k < 0.3) return String.fromCharCode(...Array.from({ length: 40 }, () => Math.floor(r() * 256)));
    if (k < 0.35) return '['.repeat(5000) + ']'.repeat(5000);
    if (k < 0.4) return JSON.stringify({ instances: [new Array(8000).fill(1.25)] }); // over the body limit
    if (k < 0.55)
      return JSON.stringify({
        instances: Array.from({ length: 1 + Math.floor(r() * 3) }, () => Array.from({ length: pick([3, 4, 5]) }, () => scalar())),
      });
    if (k < 0.7)
      return JSON.stringify({
        inputs: [{ name: pick(['x', 'y', 1]), shape: value(2), datatype: pick(['FP32', 'INT8', 'BYTES', 'FP16', 7]), data: value(1) }],
      });
    return JSON.stringify(value(0));
  };
  try {
    const N = 2000;
    const statuses = new Map<number, number>();
    let i = 0;
    const worker = async (): Promise<void> => {
      while (i < N) {
        i++;
        const b = body();
        const method = r() < 0.8 ? 'POST' : pick(['GET', 'PUT', 'DELETE']);
        const ct = pick([
          'application/json',
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/octet-stream',
        ]);
        const res = await fetch(base + pick(paths), {
          method,
          headers: b === undefined ? {} : { 'content-type': ct },
          body: method === 'GET' ? undefined : b,
        });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(res.status < 500, `${method} → ${res.status}: ${text.slice(0, 200)} for body ${String(b).slice(0, 120)}`);
        if (res.status >= 400) assert.equal(typeof (JSON.parse(text) as { error?: unknown }).error, 'string', text.slice(0, 200));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const ok = await fetch(`${base}/v1/models/iris:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [[1, 2, 3, 4]] }),
    });
    assert.equal(ok.status, 200);
    assert.ok([...statuses.keys()].some((s) => s >= 400));
  } finally {
    await server.close();
    t.cleanup();
  }
});
