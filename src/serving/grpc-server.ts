import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { join } from 'node:path';
import type { DType, Signature, TensorSpec } from '../engine/signature.js';
import { SlipwayError, toSlipwayError } from '../errors/index.js';
import type { VersionSelector } from './model-set.js';
import { requestIdFrom, runPrediction, type ServingContext } from './prediction-pipeline.js';
import { PROTO_FILES, PROTO_LOADER_OPTIONS, protoDir } from './proto-files.js';
import { decodeV2Inputs, encodeV2Outputs, v2Platform } from './rest-v2.js';
import type { TensorData } from '../runtime/index.js';
import { checkInputNames, checkShape, toNumbers, typedFromNumbers } from './tensor-codec.js';
import { TF_DTYPE, tfStatus } from './rest-tf.js';
import { truncateForEcho } from '../access/index.js';

/** Loads the serving protos as a gRPC package definition. */
export function loadServingProtos(): grpc.GrpcObject {
  const dir = protoDir();
  const def = protoLoader.loadSync(
    PROTO_FILES.map((f) => join(dir, f)),
    { ...PROTO_LOADER_OPTIONS, includeDirs: [dir] },
  );
  return grpc.loadPackageDefinition(def);
}

let signatureDefMapType: protobuf.Type | undefined;
function signatureDefMap(): protobuf.Type {
  if (signatureDefMapType) return signatureDefMapType;
  const root = new protobuf.Root();
  const dir = protoDir();
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(dir, target));
  root.loadSync('tensorflow_serving/apis/get_model_metadata.proto', { keepCase: true });
  return (signatureDefMapType = root.lookupType('tensorflow.serving.SignatureDefMap'));
}

const TF_ENUM = TF_DTYPE;
const FROM_TF: Record<string, DType> = Object.fromEntries(Object.entries(TF_ENUM).map(([k, v]) => [v, k as DType]));

interface TensorProtoIn {
  dtype: string;
  tensor_shape: { dim: { size: string }[]; unknown_rank: boolean } | null;
  tensor_content: Buffer;
  float_val: number[];
  double_val: number[];
  int_val: number[];
  int64_val: string[];
  bool_val: boolean[];
}

const BYTES: Partial<Record<DType, number>> = { FP32: 4, FP64: 8, INT8: 1, INT16: 2, INT32: 4, INT64: 8, UINT8: 1, BOOL: 1 };

function rawValues(buf: Buffer, dtype: DType, where: string): ArrayLike<unknown> {
  const size = BYTES[dtype];
  if (!size || buf.length % size !== 0)
    throw new SlipwayError('INPUT_INVALID', `${where}: ${buf.length} content bytes is not a whole number of ${dtype} elements.`);
  const copy = new Uint8Array(buf).buffer; // aligned copy
  switch (dtype) {
    case 'FP32':
      return new Float32Array(copy);
    case 'FP64':
      return new Float64Array(copy);
    case 'INT8':
      return new Int8Array(copy);
    case 'INT16':
      return new Int16Array(copy);
    case 'INT32':
      return new Int32Array(copy);
    case 'INT64':
      return Array.from(new BigInt64Array(copy), Number);
    default:
      return new Uint8Array(copy);
  }
}

/** Decodes a TF TensorProto into a tensor for `spec`, validating dtype, shape and values. */
export function decodeTensorProto(t: TensorProtoIn, spec: TensorSpec): TensorData {
  const where = `input "${spec.name}"`;
  const dt = FROM_TF[t.dtype];
  if (!dt) throw new SlipwayError('INPUT_INVALID', `${where}: dtype ${t.dtype} is not supported.`);
  // The dtype must be the signature's, as TF Serving requires: an INT64 tensor is not silently read as FP32.
  if (dt !== spec.dtype)
    throw new SlipwayError('INPUT_INVALID', `${where}: dtype ${t.dtype} does not fit the model's ${TF_ENUM[spec.dtype]}.`);
  if (!t.tensor_shape || t.tensor_shape.unknown_rank) throw new SlipwayError('INPUT_INVALID', `${where}: tensor_shape is required.`);
  const shape = t.tensor_shape.dim.map((d) => Number(d.size));
  if (!shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31))
    throw new SlipwayError('INPUT_INVALID', `${where}: tensor_shape sizes must be non-negative.`);
  checkShape(shape, spec, where);
  const n = shape.reduce((a, b) => a * b, 1);
  let values: ArrayLike<unknown>;
  if (t.tensor_content.length > 0) values = rawValues(t.tensor_content, dt, where);
  else if (dt === 'FP32') values = t.float_val;
  else if (dt === 'FP64') values = t.double_val;
  else if (dt === 'INT64') values = t.int64_val.map(Number);
  else if (dt === 'BOOL') values = t.bool_val;
  else values = t.int_val;
  if (values.length !== n)
    throw new SlipwayError('INPUT_INVALID', `${where}: ${values.length} values but tensor_shape [${shape.join(', ')}] needs ${n}.`);
  return { dtype: spec.dtype, shape, data: typedFromNumbers(values, spec.dtype, where) };
}

/** Encodes a tensor as a TF TensorProto using the typed *_val fields. */
export function encodeTensorProto(t: TensorData): Record<string, unknown> {
  const base = { dtype: TF_ENUM[t.dtype], tensor_shape: { dim: t.shape.map((d) => ({ size: String(d), name: '' })), unknown_rank: false } };
  const nums = toNumbers(t.data);
  switch (t.dtype) {
    case 'FP32':
      return { ...base, float_val: nums };
    case 'FP64':
      return { ...base, double_val: nums };
    case 'INT64':
      return { ...base, int64_val: nums.map(String) };
    case 'BOOL':
      return { ...base, bool_val: nums.map((x) => x !== 0) };
    default:
      return { ...base, int_val: nums };
  }
}

interface ModelSpecIn {
  name: string;
  version: { value: string } | null;
  version_label: string;
  signature_name: string;
}

function selectorOf(spec: ModelSpecIn | null): { model: string; sel: VersionSelector } {
  if (!spec || !spec.name) throw new SlipwayError('INPUT_MISSING', 'model_spec.name is required.');
  if (spec.signature_name && spec.signature_name !== 'serving_default')
    throw new SlipwayError('INPUT_INVALID', `signature_name "${spec.signature_name}" is not served; use "serving_default".`);
  if (spec.version) return { model: spec.name, sel: { version: Number(spec.version.value) } };
  if (spec.version_label) return { model: spec.name, sel: { label: spec.version_label } };
  return { model: spec.name, sel: {} };
}

function tensorInfo(t: TensorSpec): Record<string, unknown> {
  return { name: t.name, dtype: TF_ENUM[t.dtype], tensor_shape: { dim: t.shape.map((d) => ({ size: d, name: '' })), unknown_rank: false } };
}

/** The SignatureDefMap for a signature, encoded for GetModelMetadata's Any. */
export function encodeSignatureDefMap(sig: Signature): Uint8Array {
  const T = signatureDefMap();
  const msg = T.fromObject({
    signature_def: {
      serving_default: {
        inputs: Object.fromEntries(sig.inputs.map((t) => [t.name, tensorInfo(t)])),
        outputs: Object.fromEntries(sig.outputs.map((t) => [t.name, tensorInfo(t)])),
        method_name: 'tensorflow/serving/predict',
      },
    },
  });
  return T.encode(msg).finish();
}

type Handler = (call: grpc.ServerUnaryCall<any, unknown>, cb: grpc.sendUnaryData<unknown>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

function unary(body: (req: any, call: grpc.ServerUnaryCall<any, unknown>) => Promise<unknown>): Handler {
  // eslint-disable-line @typescript-eslint/no-explicit-any
  return (call, cb) => {
    body(call.request, call).then(
      (res) => cb(null, res),
      (e: unknown) => {
        const err = toSlipwayError(e);
        const md = new grpc.Metadata();
        md.set('x-slipway-error-code', err.code);
        // Messages echo client-sent names; a long one would overflow the client's metadata limit (grpc-message is a header).
        cb({ code: err.grpcStatus as grpc.status, details: truncateForEcho(err.message, 1000), metadata: md });
      },
    );
  };
}

/** Starts the gRPC server (TF Serving PredictionService + ModelService, KServe GRPCInferenceService). */
export async function startGrpcServer(
  ctx: ServingContext,
  host: string,
  port: number,
  maxMessageBytes: number,
): Promise<{ port: number; server: grpc.Server }> {
  const pkg = loadServingProtos() as unknown as {
    tensorflow: { serving: { PredictionService: grpc.ServiceClientConstructor; ModelService: grpc.ServiceClientConstructor } };
    inference: { GRPCInferenceService: grpc.ServiceClientConstructor };
  };
  const server = new grpc.Server({ 'grpc.max_receive_message_length': maxMessageBytes });
  server.addService(pkg.tensorflow.serving.PredictionService.service, {
    Predict: unary(
      async (req: { model_spec: ModelSpecIn | null; inputs: Record<string, TensorProtoIn>; output_filter: string[] }, call) => {
        const { model, sel } = selectorOf(req.model_spec);
        const requestId = requestIdFrom(call.metadata.get('x-request-id')[0]);
        const res = await runPrediction(ctx, {
          model,
          sel,
          protocol: 'grpc-tf',
          requestId,
          decode: (sig) => {
            checkInputNames(Object.keys(req.inputs), sig, 'inputs');
            return Object.fromEntries(sig.inputs.map((s) => [s.name, decodeTensorProto(req.inputs[s.name]!, s)]));
          },
        });
        call.sendMetadata(requestIdMetadata(requestId));
        const names = res.servable.signature.outputs
          .map((o) => o.name)
          .filter((n) => res.outputs[n] && (req.output_filter.length === 0 || req.output_filter.includes(n)));
        return {
          model_spec: { name: model, version: { value: String(res.servable.version) }, signature_name: 'serving_default' },
          outputs: Object.fromEntries(names.map((n) => [n, encodeTensorProto(res.outputs[n]!)])),
        };
      },
    ),
    GetModelMetadata: unary(async (req: { model_spec: ModelSpecIn | null; metadata_field: string[] }) => {
      const { model, sel } = selectorOf(req.model_spec);
      if (req.metadata_field.some((f) => f !== 'signature_def'))
        throw new SlipwayError('INPUT_INVALID', 'metadata_field may only be "signature_def".');
      const s = ctx.models.get(model, sel);
      return {
        model_spec: { name: model, version: { value: String(s.version) }, signature_name: '' },
        metadata: {
          signature_def: {
            type_url: 'type.googleapis.com/tensorflow.serving.SignatureDefMap',
            value: Buffer.from(encodeSignatureDefMap(s.signature)),
          },
        },
      };
    }),
  });
  server.addService(pkg.tensorflow.serving.ModelService.service, {
    GetModelStatus: unary(async (req: { model_spec: ModelSpecIn | null }) => {
      const { model, sel } = selectorOf(req.model_spec);
      // The same body as REST's status: the proto's field names and JSON names coincide.
      return tfStatus(ctx, model, sel);
    }),
  });
  const v2sel = (version: string): VersionSelector => {
    if (!version) return {};
    if (!/^\d{1,15}$/.test(version)) throw new SlipwayError('SERVABLE_NOT_FOUND', `version "${version}" is not a number.`);
    return { version: Number(version) };
  };
  server.addService(pkg.inference.GRPCInferenceService.service, {
    ServerLive: unary(async () => ({ live: true })),
    ServerReady: unary(async () => ({ ready: ctx.models.names().length > 0 })),
    ServerMetadata: unary(async () => ({ name: 'slipway', version: ctx.serverVersion, extensions: [] })),
    ModelReady: unary(async (req: { name: string; version: string }) => {
      ctx.models.get(req.name, v2sel(req.version));
      return { ready: true };
    }),
    ModelMetadata: unary(async (req: { name: string; version: string }) => {
      const s = ctx.models.get(req.name, v2sel(req.version));
      return {
        name: req.name,
        versions: ctx.models.describe(req.name).versions.map(String),
        platform: v2Platform(s),
        inputs: s.signature.inputs.map((t) => ({ name: t.name, datatype: t.dtype, shape: t.shape.map(String) })),
        outputs: s.signature.outputs.map((t) => ({ name: t.name, datatype: t.dtype, shape: t.shape.map(String) })),
      };
    }),
    ModelInfer: unary(async (req: V2GrpcRequest, call) => {
      const requestId = requestIdFrom(req.id || call.metadata.get('x-request-id')[0]);
      const res = await runPrediction(ctx, {
        model: req.model_name,
        sel: v2sel(req.model_version),
        protocol: 'grpc-v2',
        requestId,
        decode: (sig) => decodeV2Inputs(v2GrpcInputs(req), sig),
      });
      const requested = req.outputs.length > 0 ? req.outputs.map((o) => o.name) : undefined;
      const outs = encodeV2Outputs(res.servable.signature, res.outputs, requested);
      return {
        model_name: req.model_name,
        model_version: String(res.servable.version),
        id: requestId,
        outputs: outs.map((o) => ({
          name: o.name,
          datatype: o.datatype,
          shape: o.shape.map(String),
          contents: v2Contents(o.datatype, o.data),
        })),
      };
    }),
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });
  return { port: bound, server };
}

function requestIdMetadata(id: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('x-request-id', id);
  return md;
}

interface V2GrpcRequest {
  model_name: string;
  model_version: string;
  id: string;
  inputs: { name: string; datatype: string; shape: string[]; contents: Record<string, unknown[]> | null }[];
  outputs: { name: string }[];
  raw_input_contents: Buffer[];
}

const CONTENT_FIELD: Partial<Record<DType, string>> = {
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  BOOL: 'bool_contents',
};

/** Turns gRPC v2 inputs (typed contents or raw_input_contents) into the REST shape decodeV2Inputs validates. */
function v2GrpcInputs(req: V2GrpcRequest): { name: string; datatype: string; shape: number[]; data: unknown[] }[] {
  if (req.raw_input_contents.length > 0 && req.raw_input_contents.length !== req.inputs.length) {
    throw new SlipwayError(
      'INPUT_INVALID',
      `raw_input_contents has ${req.raw_input_contents.length} entries for ${req.inputs.length} inputs; send one per input.`,
    );
  }
  return req.inputs.map((t, i) => {
    const dt = t.datatype as DType;
    let data: unknown[];
    const raw = req.raw_input_contents[i];
    if (raw) data = Array.from(rawValues(raw, dt, `input "${t.name}"`));
    else {
      const field = CONTENT_FIELD[dt];
      const c = t.contents;
      data = field && c ? ((c[field] as unknown[]) ?? []) : [];
      if (dt === 'INT64') data = data.map(Number);
    }
    return { name: t.name, datatype: t.datatype, shape: t.shape.map(Number), data };
  });
}

function v2Contents(dt: DType, data: number[]): Record<string, unknown[]> {
  const field = CONTENT_FIELD[dt] ?? 'fp32_contents';
  if (dt === 'INT64') return { [field]: data.map(String) };
  if (dt === 'BOOL') return { [field]: data.map((x) => x !== 0) };
  return { [field]: data };
}
