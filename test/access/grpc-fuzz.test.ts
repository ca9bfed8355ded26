import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { startModelServer, protoDir, PROTO_FILES, type ModelServer } from '../../src/serving/index.js';
import { createRng } from '../../src/engine/random.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { writeTinyOnnx } from '../serving/tiny-onnx.js';

type Unary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;
type Client = grpc.Client & Record<string, Unary>;

let server: ModelServer;
let prediction: Client;
let modelService: Client;
let inference: Client;
const tmp = tempDir();

before(async () => {
  server = await startModelServer({
    models: [{ name: 'iris', dir: writeTinyOnnx(join(tmp.dir, 'v1')), version: 1, labels: ['production'] }],
    restPort: 0,
    grpcPort: 0,
    bodyLimit: 256 * 1024,
  });
  const dir = protoDir();
  const def = protoLoader.loadSync(
    PROTO_FILES.map((f) => join(dir, f)),
    { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [dir] },
  );
  const pkg = grpc.loadPackageDefinition(def) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
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

function call(client: Client, method: string, req: unknown): Promise<{ err: grpc.ServiceError | null }> {
  return new Promise((resolve) =>
    client[method]!.call(client, req, new grpc.Metadata(), { deadline: Date.now() + 20_000 }, (err) => resolve({ err })),
  );
}

const shape = (dims: number[]) => ({ dim: dims.map((size) => ({ size: String(size), name: '' })), unknown_rank: false });

test('gRPC checks dtypes against the signature: an INT64 tensor for an FP32 input is INVALID_ARGUMENT', async () => {
  const { err } = await call(prediction, 'Predict', {
    model_spec: { name: 'iris' },
    inputs: { x: { dtype: 'DT_INT64', tensor_shape: shape([1, 4]), int64_val: ['1', '2', '3', '4'] } },
  });
  assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
  const ok = await call(prediction, 'Predict', {
    model_spec: { name: 'iris' },
    inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: shape([1, 4]), float_val: [1, 2, 3, 4] } },
  });
  assert.equal(ok.err, null);
});

test('gRPC truncates echoed names: a 10,000-character model name gets NOT_FOUND with a short message', async () => {
  const { err } = await call(prediction, 'Predict', {
    model_spec: { name: 'm'.repeat(10_000) },
    inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: shape([1, 4]), float_val: [1, 2, 3, 4] } },
  });
  assert.equal(err?.code, grpc.status.NOT_FOUND);
  assert.ok(err!.details.length <= 1100, `details are ${err!.details.length} chars`);
});

test('fuzz: 2,000 malformed gRPC calls (names, dtypes, shapes, contents, raw bytes) get clean statuses and the server survives', async () => {
  const rng = createRng(19);
  const r = (): number => rng.next();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (n: number): number => Math.floor(r() * n);
  const dtypes = ['DT_FLOAT', 'DT_DOUBLE', 'DT_INT32', 'DT_INT64', 'DT_STRING', 'DT_BOOL', 'DT_HALF', 'DT_INVALID', 'DT_UINT8'];
  const names = ['iris', '', 'nope', 'm'.repeat(int(5000)), 'iris\u0000x', '../iris', '\u202e', 'iris/1'];
  const dims = (): number[] => Array.from({ length: int(5) }, () => pick([0, 1, 4, -1, 2 ** 31, int(10)]));
  const tensor = () => ({
    dtype: pick(dtypes),
    tensor_shape: r() < 0.9 ? { dim: dims().map((size) => ({ size: String(size), name: '' })), unknown_rank: r() < 0.1 } : undefined,
    float_val: r() < 0.6 ? Array.from({ length: int(12) }, () => pick([1, -1, 0, NaN, Infinity, 1e39, r()])) : [],
    int64_val: r() < 0.2 ? Array.from({ length: int(6) }, () => pick(['1', '-9223372036854775808', '99999999999999999999'])) : [],
    tensor_content: r() < 0.3 ? Buffer.from(Array.from({ length: int(40) }, () => int(256))) : Buffer.alloc(0),
  });
  const v2input = () => ({
    name: pick(['x', 'y', '', 'x'.repeat(300)]),
    datatype: pick(['FP32', 'INT64', 'BYTES', 'FP16', 'BOOL', 'NOPE', '']),
    shape: dims().map(String),
    contents: r() < 0.7 ? { fp32_contents: Array.from({ length: int(10) }, () => r()), int64_contents: r() < 0.3 ? ['1', 'x'] : [] } : null,
  });
  const statuses = new Map<number, number>();
  const rss0 = process.memoryUsage().rss;
  const N = 2000;
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < N) {
      i++;
      const k = r();
      let res: { err: grpc.ServiceError | null };
      if (k < 0.45)
        res = await call(prediction, 'Predict', {
          model_spec:
            r() < 0.9
              ? {
                  name: pick(names),
                  signature_name: pick(['', 'serving_default', 'other']),
                  version: r() < 0.3 ? { value: pick(['1', '0', '-1', '9999999999999999']) } : undefined,
                }
              : null,
          inputs: Object.fromEntries(Array.from({ length: int(3) }, () => [pick(['x', 'y', '']), tensor()])),
          output_filter: r() < 0.2 ? ['nope'] : [],
        });
      else if (k < 0.6)
        res = await call(prediction, 'GetModelMetadata', {
          model_spec: { name: pick(names) },
          metadata_field: [pick(['signature_def', 'x', ''])],
        });
      else if (k < 0.7)
        res = await call(modelService, 'GetModelStatus', {
          model_spec: { name: pick(names), version: r() < 0.5 ? { value: pick(['1', 'x', '-5']) } : undefined },
        });
      else
        res = await call(inference, 'ModelInfer', {
          model_name: pick(names),
          model_version: pick(['', '1', 'x', '999']),
          id: 'f',
          inputs: Array.from({ length: int(3) }, v2input),
          outputs: [],
          raw_input_contents: r() < 0.3 ? [Buffer.from(Array.from({ length: int(33) }, () => int(256)))] : [],
        });
      const code = res.err?.code ?? 0;
      statuses.set(code, (statuses.get(code) ?? 0) + 1);
      assert.ok(
        code !== grpc.status.INTERNAL && code !== grpc.status.UNKNOWN && code !== grpc.status.UNAVAILABLE,
        `status ${code}: ${res.err?.details?.slice(0, 200)}`,
      );
      if (res.err) assert.ok(res.err.details.length <= 1100);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  // Still serving, memory bounded (a generous bound: the point is no runaway growth per request).
  const ok = await call(prediction, 'Predict', {
    model_spec: { name: 'iris' },
    inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: shape([1, 4]), float_val: [1, 2, 3, 4] } },
  });
  assert.equal(ok.err, null);
  assert.ok(process.memoryUsage().rss - rss0 < 300 * 1024 * 1024, `RSS grew by ${(process.memoryUsage().rss - rss0) / 2 ** 20} MiB`);
  assert.ok([...statuses.keys()].some((s) => s !== 0));
});
