import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { startModelServer } from '../../src/serving/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { tinyPredict, writeTinyOnnx } from '../serving/tiny-onnx.js';

// The path a PyTorch-exported model takes: nested NCHW instances parsed straight into a tensor, with and without
// dynamic batching, over REST v1 and v2; and bodies the bounded parser must refuse without building them.

const image = (i: number): number[][][] => [
  [
    [i % 5, (i * 3) % 7],
    [i / 10, 1 - i / 50],
  ],
];

async function post(url: string, body: string | Buffer): Promise<{ status: number; code: string | null; json: unknown }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: r.status, code: r.headers.get('x-slipway-error-code'), json: await r.json() };
}

for (const [batching, onnxWorkers] of [
  [false, 0],
  [true, 0],
  [true, 1],
] as const) {
  test(`ONNX NCHW: nested instances predict the same as the model, batching ${batching ? 'on' : 'off'}, ${onnxWorkers} ONNX worker(s)`, async () => {
    const t = tempDir();
    const server = await startModelServer({
      models: [{ name: 'torch', dir: writeTinyOnnx(join(t.dir, 'torch'), { nchw: true }) }],
      restPort: 0,
      grpcPort: null,
      batching: batching ? { maxBatchSize: 8, maxQueueDelayMs: 5 } : undefined,
      runtime: { onnxWorkers },
    });
    try {
      const base = `http://127.0.0.1:${server.restPort}`;
      const results = await Promise.all(
        Array.from({ length: 24 }, async (_, i) => {
          const rows = i % 4 === 0 ? [image(i), image(i + 1)] : [image(i)];
          // Every third request sends flat rows (the lenient form clients use) instead of nested ones.
          const instances = i % 3 === 0 ? rows.map((r) => r.flat(2)) : rows;
          const r = await post(`${base}/v1/models/torch:predict`, JSON.stringify({ instances }));
          return { rows, ...r };
        }),
      );
      for (const r of results) {
        assert.equal(r.status, 200, JSON.stringify(r.json));
        const got = (r.json as { predictions: number[][] }).predictions;
        assert.equal(got.length, r.rows.length);
        r.rows.forEach((row, j) => tinyPredict(row.flat(2)).forEach((v, k) => assert.ok(Math.abs(v - got[j]![k]!) < 1e-5)));
      }
      // Open Inference v2 with nested data, and columnar TF inputs.
      const v2 = await post(
        `${base}/v2/models/torch/infer`,
        JSON.stringify({ inputs: [{ name: 'image', shape: [1, 1, 2, 2], datatype: 'FP32', data: [image(3)] }] }),
      );
      assert.equal(v2.status, 200, JSON.stringify(v2.json));
      const out = (v2.json as { outputs: { data: number[] }[] }).outputs[0]!.data;
      tinyPredict(image(3).flat(2)).forEach((v, k) => assert.ok(Math.abs(v - out[k]!) < 1e-5));
      const col = await post(`${base}/v1/models/torch:predict`, JSON.stringify({ inputs: [image(4), image(5)] }));
      assert.equal(col.status, 200, JSON.stringify(col.json));
      assert.equal((col.json as { outputs: unknown[] }).outputs.length, 2);
      if (batching) {
        const metrics = await (await fetch(`${base}/metrics`)).text();
        assert.match(metrics, /slipway_batch_size_count\{model="torch"\} [1-9]/, 'requests went through the batcher');
      }
    } finally {
      await server.close();
      t.cleanup();
    }
  });
}

test('bounded bodies: deep, huge, ragged and malformed bodies are refused with catalogue codes; the server keeps serving', async () => {
  const t = tempDir();
  const server = await startModelServer({
    models: [{ name: 'torch', dir: writeTinyOnnx(join(t.dir, 'torch'), { nchw: true }) }],
    restPort: 0,
    grpcPort: null,
    jsonLimits: { maxElements: 1000 },
  });
  try {
    const url = `http://127.0.0.1:${server.restPort}/v1/models/torch:predict`;
    const deep = Buffer.concat([Buffer.from('{"instances": '), Buffer.alloc(8 * 1024 * 1024, '[')]);
    const cases: [string | Buffer, number, string][] = [
      [deep, 400, 'REQUEST_TOO_COMPLEX'],
      [`{"instances": [${'0,'.repeat(1000)}0]}`, 413, 'BODY_TOO_LARGE'],
      ['{"instances": [[[[1, 2], [3]]]]}', 400, 'INPUT_INVALID'],
      ['{"instances": [[[[1, 2], [3, "x"]]]]}', 400, 'INPUT_INVALID'],
      ['{"instances": [[[[1, 2], [3, 4]]]], }', 400, 'MALFORMED_JSON'],
      ['{"instances": [[[[1, 2], [3, 1e999]]]]}', 400, 'INPUT_INVALID'],
      ['{"instances": [[[1, 2, 3, 4]]]}', 400, 'INPUT_INVALID'],
    ];
    for (const [body, status, code] of cases) {
      const r = await post(url, body);
      assert.equal(r.status, status, `${String(body).slice(0, 60)} → ${JSON.stringify(r.json)}`);
      assert.equal(r.code, code);
      assert.equal(typeof (r.json as { error: unknown }).error, 'string');
    }
    // Over a raw socket too: a body that is cut off mid-array never hangs the server.
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '40' } });
      req.on('error', () => resolve());
      req.on('response', (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end('{"instances": [[[[1, 2]');
      setTimeout(() => req.destroy(), 200).unref();
    });
    const ok = await post(url, JSON.stringify({ instances: [image(1)] }));
    assert.equal(ok.status, 200);
  } finally {
    await server.close();
    t.cleanup();
  }
});
