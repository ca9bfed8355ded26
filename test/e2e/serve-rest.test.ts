import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect } from 'node:net';
import { startModelServer, type ModelServer } from '../../src/serving/index.js';
import { openDb, type Db } from '../../src/meta/index.js';
import { monitoringReport } from '../../src/monitoring/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { tinyPredict, writeTinyOnnx } from '../serving/tiny-onnx.js';

let server: ModelServer;
let db: Db;
let base: string;
const tmp = tempDir();

before(async () => {
  db = await openDb({ sqlitePath: join(tmp.dir, 'meta.db') });
  const v1 = writeTinyOnnx(join(tmp.dir, 'iris1'));
  const v2 = writeTinyOnnx(join(tmp.dir, 'iris2'), { scale: 2 });
  server = await startModelServer({
    db,
    models: [
      { name: 'iris', dir: v1, version: 1, labels: ['production'] },
      { name: 'iris', dir: v2, version: 2, labels: ['staging'] },
    ],
    restPort: 0,
    grpcPort: null,
    bodyLimit: 64 * 1024,
    timeouts: { connectionMs: 300 },
    monitoring: { redact: ['x'] },
  });
  base = `http://127.0.0.1:${server.restPort}`;
});

after(async () => {
  await server.close();
  await db.close();
  tmp.cleanup();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

const close = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) < 1e-5);

test('TF REST: model status for all versions, one version and a label', async () => {
  const all = await call('GET', '/v1/models/iris');
  assert.equal(all.status, 200);
  assert.deepEqual(all.json, {
    model_version_status: [
      { version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      { version: '2', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
    ],
  });
  assert.equal((await call('GET', '/v1/models/iris/versions/2')).json.model_version_status[0].version, '2');
  assert.equal((await call('GET', '/v1/models/iris/labels/staging')).json.model_version_status[0].version, '2');
  assert.equal((await call('GET', '/v1/models/iris/labels/nope')).status, 404);
  assert.equal((await call('GET', '/v1/models/nope')).status, 404);
});

test('TF REST: metadata carries the serving_default signature_def', async () => {
  const r = await call('GET', '/v1/models/iris/metadata');
  assert.equal(r.status, 200);
  assert.equal(r.json.model_spec.name, 'iris');
  assert.equal(r.json.model_spec.version, '1');
  const sig = r.json.metadata.signature_def.signature_def.serving_default;
  assert.equal(sig.inputs.x.dtype, 'DT_FLOAT');
  assert.deepEqual(
    sig.inputs.x.tensor_shape.dim.map((d: { size: string }) => d.size),
    ['-1', '4'],
  );
  assert.equal(sig.outputs.probs.dtype, 'DT_FLOAT');
  assert.equal(sig.method_name, 'tensorflow/serving/predict');
});

test('TF REST: predict in row (instances) and columnar (inputs) formats, default, version and label', async () => {
  const rows = [
    [1, 2, 3, 4],
    [0.5, -1, 0, 2],
  ];
  const r = await call('POST', '/v1/models/iris:predict', { instances: rows });
  assert.equal(r.status, 200);
  assert.ok(r.headers.get('x-request-id'));
  assert.equal(r.json.predictions.length, 2);
  assert.ok(close(r.json.predictions[0], tinyPredict(rows[0]!)));
  assert.ok(close(r.json.predictions[1], tinyPredict(rows[1]!)));
  const named = await call('POST', '/v1/models/iris/versions/1:predict', {
    signature_name: 'serving_default',
    instances: [{ x: rows[0] }],
  });
  assert.equal(named.status, 200);
  assert.ok(close(named.json.predictions[0], tinyPredict(rows[0]!)));
  const col = await call('POST', '/v1/models/iris:predict', { inputs: rows });
  assert.equal(col.status, 200);
  assert.ok(close(col.json.outputs[1], tinyPredict(rows[1]!)));
  const colNamed = await call('POST', '/v1/models/iris:predict', { inputs: { x: rows } });
  assert.ok(close(colNamed.json.outputs[0], tinyPredict(rows[0]!)));
  const staged = await call('POST', '/v1/models/iris/labels/staging:predict', { instances: [rows[0]] });
  assert.ok(close(staged.json.predictions[0], tinyPredict(rows[0]!.map((x) => x * 2))));
  // Bodies are JSON only (a browser may post form-encoded or text/plain cross-site without a preflight): 415.
  const form = await call('POST', '/v1/models/iris:predict', JSON.stringify({ instances: [rows[0]] }), {
    'content-type': 'application/x-www-form-urlencoded',
  });
  assert.equal(form.status, 415);
});

test('TF REST: classify answers [label, score] pairs per example', async () => {
  const r = await call('POST', '/v1/models/iris:classify', { examples: [{ x: [0, 0, 5, 0] }] });
  assert.equal(r.status, 200);
  const pairs = r.json.result[0] as [string, number][];
  assert.deepEqual(
    pairs.map((p) => p[0]),
    ['setosa', 'versicolor', 'virginica'],
  );
  assert.ok(
    close(
      pairs.map((p) => p[1]),
      tinyPredict([0, 0, 5, 0]),
    ),
  );
});

test('Open Inference v2: server, health, metadata, ready and infer', async () => {
  assert.deepEqual((await call('GET', '/v2')).json.name, 'slipway');
  assert.deepEqual((await call('GET', '/v2/health/live')).json, { live: true });
  assert.equal((await call('GET', '/v2/health/ready')).status, 200);
  const md = await call('GET', '/v2/models/iris');
  assert.deepEqual(md.json.versions, ['1', '2']);
  assert.equal(md.json.platform, 'onnxruntime_onnx');
  assert.deepEqual(md.json.inputs, [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }]);
  assert.deepEqual((await call('GET', '/v2/models/iris/versions/2/ready')).json, { name: 'iris', ready: true });
  assert.equal((await call('GET', '/v2/models/iris/versions/9/ready')).status, 404);
  const inf = await call('POST', '/v2/models/iris/infer', {
    id: 'req-42',
    inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4, 0, 0, 0, 1] }],
  });
  assert.equal(inf.status, 200);
  assert.equal(inf.json.model_name, 'iris');
  assert.equal(inf.json.model_version, '1');
  assert.equal(inf.json.id, 'req-42');
  assert.equal(inf.headers.get('x-request-id'), 'req-42');
  const out = inf.json.outputs[0];
  assert.deepEqual([out.name, out.datatype, out.shape], ['probs', 'FP32', [2, 3]]);
  assert.ok(close(out.data.slice(0, 3), tinyPredict([1, 2, 3, 4])));
  // Nested data and an integer datatype into the FP32 input.
  const ints = await call('POST', '/v2/models/iris/versions/2/infer', {
    inputs: [{ name: 'x', shape: [1, 4], datatype: 'INT32', data: [[1, 2, 3, 4]] }],
  });
  assert.equal(ints.status, 200);
  assert.ok(close(ints.json.outputs[0].data, tinyPredict([2, 4, 6, 8])));
  assert.ok(ints.json.id);
});

test('bad input: every case is a 4xx with {"error": …} naming the problem, and the server keeps serving', async () => {
  const cases: [string, string, unknown, number, string][] = [
    ['POST', '/v1/models/iris:predict', '{"instances": [[1,2,3,', 400, 'MALFORMED_JSON'],
    ['POST', '/v1/models/iris:predict', { instances: [[1, 2, 3]] }, 400, 'INPUT_INVALID'],
    [
      'POST',
      '/v1/models/iris:predict',
      {
        instances: [
          [1, 2, 3, 4],
          [1, 2],
        ],
      },
      400,
      'INPUT_INVALID',
    ],
    ['POST', '/v1/models/iris:predict', { instances: [[1, 2, 'a', 4]] }, 400, 'INPUT_INVALID'],
    ['POST', '/v1/models/iris:predict', '{"instances": [[1, 2, 1e999, 4]]}', 400, 'INPUT_INVALID'],
    ['POST', '/v1/models/iris:predict', '{"instances": [[1, 2, NaN, 4]]}', 400, 'MALFORMED_JSON'],
    ['POST', '/v1/models/iris:predict', { instances: [[1, 2, 3, 4]], inputs: [[1, 2, 3, 4]] }, 400, 'INPUT_INVALID'],
    ['POST', '/v1/models/iris:predict', {}, 400, 'INPUT_MISSING'],
    ['POST', '/v1/models/iris:predict', { instances: [{ y: [1, 2, 3, 4] }] }, 400, 'INPUT_INVALID'],
    ['POST', '/v1/models/iris:predict', { instances: [] }, 400, 'INPUT_INVALID'],
    ['POST', '/v1/models/iris:predict', { signature_name: 'other', instances: [[1, 2, 3, 4]] }, 400, 'INPUT_INVALID'],
    ['POST', '/v1/models/iris:predict', [1, 2], 400, 'INPUT_INVALID'],
    ['POST', '/v1/models/nope:predict', { instances: [[1, 2, 3, 4]] }, 404, 'SERVABLE_NOT_FOUND'],
    ['POST', '/v1/models/iris/versions/7:predict', { instances: [[1, 2, 3, 4]] }, 404, 'SERVABLE_NOT_FOUND'],
    ['POST', '/v1/models/iris/labels/canary:predict', { instances: [[1, 2, 3, 4]] }, 404, 'SERVABLE_NOT_FOUND'],
    ['POST', '/v1/models/iris/versions/x:predict', { instances: [[1, 2, 3, 4]] }, 404, 'SERVABLE_NOT_FOUND'],
    ['POST', '/v1/models/iris:predict', { instances: [new Array(20000).fill(1.2345)] }, 413, 'BODY_TOO_LARGE'],
    ['POST', '/v2/models/iris/infer', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3] }] }, 400, 'INPUT_INVALID'],
    [
      'POST',
      '/v2/models/iris/infer',
      { inputs: [{ name: 'x', shape: [1, 5], datatype: 'FP32', data: [1, 2, 3, 4, 5] }] },
      400,
      'INPUT_INVALID',
    ],
    [
      'POST',
      '/v2/models/iris/infer',
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'BYTES', data: ['a', 'b', 'c', 'd'] }] },
      400,
      'INPUT_INVALID',
    ],
    [
      'POST',
      '/v2/models/iris/infer',
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'INT8', data: [1, 2, 3, 400] }] },
      400,
      'INPUT_INVALID',
    ],
    [
      'POST',
      '/v2/models/iris/infer',
      { inputs: [{ name: 'z', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] },
      400,
      'INPUT_INVALID',
    ],
    ['POST', '/v2/models/iris/infer', { inputs: [] }, 400, 'INPUT_MISSING'],
    [
      'POST',
      '/v2/models/nope/infer',
      { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] },
      404,
      'SERVABLE_NOT_FOUND',
    ],
    ['GET', '/v1/nothing', undefined, 404, 'ROUTE_NOT_FOUND'],
  ];
  for (const [method, path, body, status, code] of cases) {
    const r = await call(method, path, body);
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 60)} → ${r.status} ${JSON.stringify(r.json)}`);
    assert.equal(r.headers.get('x-slipway-error-code'), code, `${path} ${JSON.stringify(body)?.slice(0, 60)}`);
    assert.equal(typeof r.json.error, 'string');
    assert.ok(r.json.error.length > 10);
  }
  assert.equal((await call('POST', '/v1/models/iris:predict', { instances: [[1, 2, 3, 4]] })).status, 200);
});

test('slow-loris: a client that stops mid-headers is disconnected by the connection timeout', async () => {
  const closed = await new Promise<boolean>((resolve) => {
    const s = connect(server.restPort, '127.0.0.1', () => s.write('POST /v1/models/iris:predict HTTP/1.1\r\nHost: x\r\n'));
    s.on('close', () => resolve(true));
    s.on('error', () => undefined);
  });
  assert.ok(closed);
  assert.equal((await call('GET', '/v1/models/iris')).status, 200);
});

test('metrics: counters by model/version/protocol/code and the latency histogram with sub-5 ms buckets', async () => {
  await call('POST', '/v1/models/iris:predict', { instances: [[1, 2, 3, 4]] });
  const text = (await call('GET', '/metrics')).json as string;
  assert.match(text, /slipway_requests_total\{model="iris",version="1",protocol="rest-tf",code="200"\} \d+/);
  assert.match(text, /slipway_requests_total\{model="iris",version="1",protocol="rest-tf",code="400"\} \d+/);
  assert.match(text, /slipway_request_duration_seconds_bucket\{le="0.001",model="iris",protocol="rest-tf"\}/);
  assert.match(text, /slipway_inflight_requests 0/);
  assert.match(text, /slipway_queue_depth/);
});

test('feedback joins predictions by request id; monitoring reports accuracy, recall, F1 and the confusion matrix', async () => {
  const sent: { id: string; truth: string }[] = [];
  // Inputs chosen so the argmax class is known: a large value in feature j → class j.
  const cases: [number[], string][] = [
    [[5, 0, 0, 0], 'setosa'],
    [[0, 5, 0, 0], 'versicolor'],
    [[0, 0, 5, 0], 'virginica'],
    [[0, 0, 5, 0], 'versicolor'],
  ];
  for (const [x, truth] of cases) {
    const r = await call('POST', '/v1/models/iris:predict', { instances: [x] });
    sent.push({ id: r.headers.get('x-request-id')!, truth });
  }
  const one = await call('POST', '/v1/feedback', { request_id: sent[0]!.id, label: sent[0]!.truth });
  assert.deepEqual(one.json, { accepted: 1 });
  const batch = await call('POST', '/v1/feedback', { feedback: sent.slice(1).map((s) => ({ request_id: s.id, label: s.truth })) });
  assert.deepEqual(batch.json, { accepted: 3 });
  assert.equal((await call('POST', '/v1/feedback', { label: 'x' })).status, 400);
  const r = await call('GET', '/v1/models/iris/monitoring?window=1h');
  assert.equal(r.status, 200);
  const q = r.json.quality;
  assert.equal(q.labelled, 4);
  assert.equal(q.accuracy, 0.75);
  assert.deepEqual(q.labels, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(q.confusion, [
    [1, 0, 0],
    [0, 1, 1],
    [0, 0, 1],
  ]);
  const versicolor = q.perClass.find((c: { label: string }) => c.label === 'versicolor');
  assert.equal(versicolor.recall, 0.5);
  assert.equal(versicolor.precision, 1);
  assert.ok(Math.abs(q.macro.f1 - (1 + 2 / 3 + 2 / 3) / 3) < 1e-9);
  assert.ok(r.json.requests >= 4);
  assert.ok(r.json.errorRate > 0);
  assert.ok(r.json.latencyMs.p99 >= r.json.latencyMs.p50);
  // The same numbers straight from the database; inputs were redacted as configured.
  const rep = await monitoringReport(db, 'iris', { windowMs: 3_600_000 });
  assert.equal(rep.quality?.accuracy, 0.75);
  const row = await db.get<{ input_json: string; output_json: string; predicted: string }>(
    'SELECT input_json, output_json, predicted FROM predictions WHERE request_id = ?',
    [sent[1]!.id],
  );
  assert.deepEqual(JSON.parse(row!.input_json), { x: '[redacted]' });
  assert.equal(JSON.parse(row!.output_json).probs.length, 1);
  assert.equal(row!.predicted, 'versicolor');
});
