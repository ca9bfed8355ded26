import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { startModelServer, protoDir, PROTO_FILES, type ModelServer } from '../../src/serving/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { tinyPredict, writeTinyOnnx } from '../serving/tiny-onnx.js';

// A client as a user would write it: the same .proto files, loaded with @grpc/proto-loader.
type Unary = (req: unknown, cb: (err: grpc.ServiceError | null, res: any) => void) => void;
type Client = grpc.Client & Record<string, Unary>;

let server: ModelServer;
let prediction: Client;
let modelService: Client;
let inference: Client;
const tmp = tempDir();

function call(client: Client, method: string, req: unknown): Promise<any> {
  return new Promise((resolve, reject) => client[method]!.call(client, req, (err, res) => (err ? reject(err) : resolve(res))));
}

async function callError(client: Client, method: string, req: unknown): Promise<grpc.ServiceError> {
  try {
    await call(client, method, req);
  } catch (e) {
    return e as grpc.ServiceError;
  }
  throw new Error(`${method} should have failed`);
}

before(async () => {
  server = await startModelServer({
    models: [
      { name: 'iris', dir: writeTinyOnnx(join(tmp.dir, 'v1')), version: 1, labels: ['production'] },
      { name: 'iris', dir: writeTinyOnnx(join(tmp.dir, 'v2'), { scale: 2 }), version: 2 },
    ],
    restPort: 0,
    grpcPort: 0,
  });
  const dir = protoDir();
  const def = protoLoader.loadSync(
    PROTO_FILES.map((f) => join(dir, f)),
    { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [dir] },
  );
  const pkg = grpc.loadPackageDefinition(def) as any;
  const addr = `127.0.0.1:${server.grpcPort}`;
  const creds = grpc.credentials.createInsecure();
  prediction = new pkg.tensorflow.serving.PredictionService(addr, creds);
  modelService = new pkg.tensorflow.serving.ModelService(addr, creds);
  inference = new pkg.inference.GRPCInferenceService(addr, creds);
});

after(async () => {
  prediction.close();
  modelService.close();
  inference.close();
  await server.close();
  tmp.cleanup();
});

const near = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) < 1e-5);
const shape = (dims: number[]) => ({ dim: dims.map((size) => ({ size })) });

test('gRPC PredictionService.Predict with float_val and with tensor_content', async () => {
  const res = await call(prediction, 'Predict', {
    model_spec: { name: 'iris' },
    inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: shape([2, 4]), float_val: [1, 2, 3, 4, 0, 0, 1, 0] } },
  });
  assert.equal(res.model_spec.version.value, '1');
  const out = res.outputs.probs;
  assert.equal(out.dtype, 'DT_FLOAT');
  assert.deepEqual(
    out.tensor_shape.dim.map((d: { size: string }) => d.size),
    ['2', '3'],
  );
  assert.ok(near(out.float_val.slice(0, 3), tinyPredict([1, 2, 3, 4])));
  const raw = Buffer.from(new Float32Array([1, 2, 3, 4]).buffer);
  const r2 = await call(prediction, 'Predict', {
    model_spec: { name: 'iris', version: { value: 2 } },
    inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: shape([1, 4]), tensor_content: raw } },
  });
  assert.equal(r2.model_spec.version.value, '2');
  assert.ok(near(r2.outputs.probs.float_val, tinyPredict([2, 4, 6, 8])));
  const r3 = await call(prediction, 'Predict', {
    model_spec: { name: 'iris', version_label: 'production' },
    inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: shape([1, 4]), float_val: [1, 2, 3, 4] } },
  });
  assert.equal(r3.model_spec.version.value, '1');
});

test('gRPC GetModelMetadata returns the SignatureDefMap in an Any', async () => {
  const res = await call(prediction, 'GetModelMetadata', { model_spec: { name: 'iris' }, metadata_field: ['signature_def'] });
  const any = res.metadata.signature_def;
  assert.equal(any.type_url, 'type.googleapis.com/tensorflow.serving.SignatureDefMap');
  const root = new protobuf.Root();
  root.resolvePath = (_o, t) => (t.startsWith('google/protobuf/') ? t : join(protoDir(), t));
  root.loadSync('tensorflow_serving/apis/get_model_metadata.proto', { keepCase: true });
  const map = root
    .lookupType('tensorflow.serving.SignatureDefMap')
    .toObject(root.lookupType('tensorflow.serving.SignatureDefMap').decode(any.value), { enums: String, longs: Number }) as any;
  const sig = map.signature_def.serving_default;
  assert.equal(sig.inputs.x.dtype, 'DT_FLOAT');
  assert.deepEqual(
    sig.inputs.x.tensor_shape.dim.map((d: { size: number }) => d.size),
    [-1, 4],
  );
  assert.equal(sig.outputs.probs.name, 'probs');
});

test('gRPC ModelService.GetModelStatus', async () => {
  const res = await call(modelService, 'GetModelStatus', { model_spec: { name: 'iris' } });
  assert.deepEqual(
    res.model_version_status.map((s: any) => [s.version, s.state, s.status.error_code]),
    [
      ['1', 'AVAILABLE', 'OK'],
      ['2', 'AVAILABLE', 'OK'],
    ],
  );
  const one = await call(modelService, 'GetModelStatus', { model_spec: { name: 'iris', version: { value: 2 } } });
  assert.equal(one.model_version_status.length, 1);
});

test('gRPC inference.GRPCInferenceService: live, ready, metadata and ModelInfer (contents and raw)', async () => {
  assert.equal((await call(inference, 'ServerLive', {})).live, true);
  assert.equal((await call(inference, 'ServerReady', {})).ready, true);
  assert.equal((await call(inference, 'ModelReady', { name: 'iris', version: '2' })).ready, true);
  const md = await call(inference, 'ModelMetadata', { name: 'iris' });
  assert.deepEqual(md.versions, ['1', '2']);
  assert.deepEqual(md.inputs[0], { name: 'x', datatype: 'FP32', shape: ['-1', '4'] });
  const res = await call(inference, 'ModelInfer', {
    model_name: 'iris',
    id: 'abc',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } }],
  });
  assert.equal(res.id, 'abc');
  assert.equal(res.model_version, '1');
  assert.deepEqual(res.outputs[0].shape, ['1', '3']);
  assert.ok(near(res.outputs[0].contents.fp32_contents, tinyPredict([1, 2, 3, 4])));
  const raw = await call(inference, 'ModelInfer', {
    model_name: 'iris',
    model_version: '2',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }],
    raw_input_contents: [Buffer.from(new Float32Array([1, 2, 3, 4]).buffer)],
  });
  assert.ok(near(raw.outputs[0].contents.fp32_contents, tinyPredict([2, 4, 6, 8])));
});

test('gRPC errors: bad input is INVALID_ARGUMENT, unknown model NOT_FOUND, and the server keeps serving', async () => {
  const bad = [
    { model_spec: { name: 'iris' }, inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: shape([1, 3]), float_val: [1, 2, 3] } } },
    { model_spec: { name: 'iris' }, inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: shape([1, 4]), float_val: [1, 2, 3] } } },
    { model_spec: { name: 'iris' }, inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: shape([1, 4]), float_val: [1, 2, NaN, 4] } } },
    { model_spec: { name: 'iris' }, inputs: { x: { dtype: 'DT_STRING', tensor_shape: shape([1, 4]) } } },
    { model_spec: { name: 'iris' }, inputs: {} },
    {
      model_spec: { name: 'iris' },
      inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: shape([1, 4]), tensor_content: Buffer.from([1, 2, 3]) } },
    },
    { model_spec: { name: 'iris', signature_name: 'nope' }, inputs: {} },
  ];
  for (const req of bad) assert.equal((await callError(prediction, 'Predict', req)).code, grpc.status.INVALID_ARGUMENT);
  assert.equal((await callError(prediction, 'Predict', { model_spec: { name: 'nope' }, inputs: {} })).code, grpc.status.NOT_FOUND);
  assert.equal(
    (await callError(prediction, 'GetModelMetadata', { model_spec: { name: 'iris', version: { value: 9 } } })).code,
    grpc.status.NOT_FOUND,
  );
  assert.equal((await callError(modelService, 'GetModelStatus', { model_spec: { name: 'nope' } })).code, grpc.status.NOT_FOUND);
  assert.equal(
    (
      await callError(inference, 'ModelInfer', {
        model_name: 'iris',
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [1] } }],
      })
    ).code,
    grpc.status.INVALID_ARGUMENT,
  );
  assert.equal((await callError(inference, 'ModelReady', { name: 'nope' })).code, grpc.status.NOT_FOUND);
  const ok = await call(prediction, 'Predict', {
    model_spec: { name: 'iris' },
    inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: shape([1, 4]), float_val: [1, 2, 3, 4] } },
  });
  assert.ok(ok.outputs.probs);
});
