// A gRPC client of `slipway serve`, written the way any client of TF Serving or KServe would be: the published
// protos (this repository's proto/ folder holds wire-compatible copies), @grpc/grpc-js and @grpc/proto-loader.
// Run: node --import tsx examples/mnist/client/grpc-client.ts [127.0.0.1:8500]
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { protoDir, PROTO_FILES, PROTO_LOADER_OPTIONS } from '../../../src/serving/index.js';

const address = process.argv[2] ?? '127.0.0.1:8500';
const dir = protoDir();
const definition = protoLoader.loadSync(
  PROTO_FILES.map((f) => join(dir, f)),
  { ...PROTO_LOADER_OPTIONS, includeDirs: [dir] },
);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const pkg = grpc.loadPackageDefinition(definition) as any;
const creds = grpc.credentials.createInsecure();
const prediction = new pkg.tensorflow.serving.PredictionService(address, creds);
const inference = new pkg.inference.GRPCInferenceService(address, creds);

function unary<T>(client: grpc.Client, method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    (client as unknown as Record<string, (r: unknown, cb: (e: grpc.ServiceError | null, v: T) => void) => void>)[method]!.call(
      client,
      request,
      (e, v) => (e ? reject(e) : resolve(v)),
    ),
  );
}

const image = Array.from({ length: 784 }, (_, i) => (i % 17) / 17);

// TF Serving: GetModelMetadata returns the signature as an Any holding a tensorflow.serving.SignatureDefMap.
const meta = await unary<{ metadata: { signature_def: { value: Buffer } } }>(prediction, 'GetModelMetadata', {
  model_spec: { name: 'mnist' },
  metadata_field: ['signature_def'],
});
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(dir, target));
root.loadSync('tensorflow_serving/apis/get_model_metadata.proto', { keepCase: true });
const SignatureDefMap = root.lookupType('tensorflow.serving.SignatureDefMap');
const sigs = SignatureDefMap.toObject(SignatureDefMap.decode(meta.metadata.signature_def.value), { enums: String, longs: Number });
console.log('signature:', JSON.stringify(sigs.signature_def.serving_default));
const inputName = Object.keys(sigs.signature_def.serving_default.inputs)[0]!;

// TF Serving: Predict with a TensorProto (float_val; tensor_content with raw little-endian bytes works too).
const predicted = await unary<{ model_spec: { version: { value: string } }; outputs: Record<string, { float_val: number[] }> }>(
  prediction,
  'Predict',
  {
    model_spec: { name: 'mnist', signature_name: 'serving_default' },
    inputs: {
      [inputName]: { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: 1 }, { size: 28 }, { size: 28 }, { size: 1 }] }, float_val: image },
    },
  },
);
const probs = Object.values(predicted.outputs)[0]!.float_val;
console.log(
  `Predict (version ${predicted.model_spec.version.value}): class ${probs.indexOf(Math.max(...probs))}`,
  probs.map((p) => p.toFixed(3)).join(' '),
);

// Open Inference v2 (KServe): ModelInfer with raw_input_contents.
const infer = await unary<{ id: string; outputs: { name: string; shape: string[]; contents: { fp32_contents: number[] } }[] }>(
  inference,
  'ModelInfer',
  {
    model_name: 'mnist',
    id: 'grpc-demo-1',
    inputs: [{ name: inputName, datatype: 'FP32', shape: [1, 28, 28, 1] }],
    raw_input_contents: [Buffer.from(new Float32Array(image).buffer)],
  },
);
console.log(`ModelInfer ${infer.id}:`, infer.outputs.map((o) => `${o.name} [${o.shape.join(', ')}]`).join(', '));

prediction.close();
inference.close();
