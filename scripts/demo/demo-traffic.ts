import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoDir, PROTO_FILES } from '../../src/serving/index.js';

/** Rows to send: features of one row each (already scaled as the model expects) and their true class index. */
export interface TrafficRows {
  readonly x: Float32Array;
  readonly rowSize: number;
  readonly labels: readonly number[];
  readonly count: number;
}

/** What the served model takes and returns, read from the server's v2 metadata. */
export interface ServedSignature {
  readonly input: { readonly name: string; readonly shape: readonly number[]; readonly datatype: string };
  readonly output: { readonly name: string };
  /** Index → label (from the registry's signature); absent when classes are their indices. */
  readonly classLabels?: readonly string[];
}

/** One answered prediction. */
export interface ServedPrediction {
  readonly requestId: string;
  readonly protocol: 'rest-tf' | 'rest-v2' | 'grpc';
  readonly row: number;
  readonly label: number;
  readonly predicted: number;
  readonly probs: readonly number[];
  readonly ms: number;
}

/** Reads the input/output names and shapes of `model` from GET /v2/models/{model}. */
export async function servedSignature(restUrl: string, model: string, classLabels?: readonly string[]): Promise<ServedSignature> {
  const r = await fetch(`${restUrl}/v2/models/${model}`);
  if (!r.ok) throw new Error(`GET /v2/models/${model} answered ${r.status}: ${await r.text()}`);
  const meta = (await r.json()) as { inputs: { name: string; shape: number[]; datatype: string }[]; outputs: { name: string }[] };
  const input = meta.inputs[0];
  const output = meta.outputs[0];
  if (!input || !output) throw new Error(`model ${model} has no inputs/outputs in its metadata`);
  return { input, output, ...(classLabels ? { classLabels } : {}) };
}

function rowShape(sig: ServedSignature, rowSize: number): number[] {
  const rest = sig.input.shape.slice(1);
  const known = rest.filter((d) => d > 0).reduce((a, b) => a * b, 1);
  return rest.map((d) => (d > 0 ? d : rowSize / known));
}

/** Nests a flat row into the row shape, as TF Serving's `instances` format wants it. */
function nest(flat: ArrayLike<number>, shape: readonly number[], offset = 0): unknown {
  if (shape.length === 0) return flat[offset];
  const [n, ...rest] = shape;
  const stride = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n! }, (_, i) => nest(flat, rest, offset + i * stride));
}

function flatten(v: unknown, out: number[] = []): number[] {
  if (Array.isArray(v)) for (const x of v) flatten(x, out);
  else out.push(Number(v));
  return out;
}

const argmax = (p: readonly number[]): number =>
  p.length === 1 ? (p[0]! >= 0.5 ? 1 : 0) : p.reduce((best, v, i) => (v > p[best]! ? i : best), 0);

type Unary = (req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/** A client for TF Serving's PredictionService over the server's own .proto files, as a user would write one. */
export function grpcPredictionClient(address: string): { predict(req: unknown, requestId: string): Promise<unknown>; close(): void } {
  const dir = protoDir();
  const def = protoLoader.loadSync(
    PROTO_FILES.map((f) => join(dir, f)),
    { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [dir] },
  );
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    tensorflow: { serving: { PredictionService: grpc.ServiceClientConstructor } };
  };
  const client = new pkg.tensorflow.serving.PredictionService(address, grpc.credentials.createInsecure()) as grpc.Client &
    Record<string, Unary>;
  return {
    predict: (req, requestId) =>
      new Promise((resolve, reject) => {
        const md = new grpc.Metadata();
        md.set('x-request-id', requestId);
        client.Predict!.call(client, req, md, (err, res) => (err ? reject(err) : resolve(res)));
      }),
    close: () => client.close(),
  };
}

/** Sends one row by `protocol` with request id `id`; returns the class probabilities the server answered. */
export async function predictOne(
  target: { restUrl: string; grpc: ReturnType<typeof grpcPredictionClient>; model: string; sig: ServedSignature },
  protocol: ServedPrediction['protocol'],
  row: Float32Array,
  id: string,
): Promise<number[]> {
  const shape = rowShape(target.sig, row.length);
  if (protocol === 'rest-tf') {
    const r = await fetch(`${target.restUrl}/v1/models/${target.model}:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify({ instances: [nest(row, shape)] }),
    });
    const body = (await r.json()) as { predictions?: unknown[]; error?: string };
    if (!r.ok || !body.predictions) throw new Error(`:predict answered ${r.status}: ${body.error ?? JSON.stringify(body)}`);
    return flatten(body.predictions[0]);
  }
  if (protocol === 'rest-v2') {
    const r = await fetch(`${target.restUrl}/v2/models/${target.model}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id,
        inputs: [{ name: target.sig.input.name, shape: [1, ...shape], datatype: 'FP32', data: Array.from(row) }],
      }),
    });
    const body = (await r.json()) as { outputs?: { name: string; data: number[] }[]; error?: string };
    const out = body.outputs?.find((o) => o.name === target.sig.output.name) ?? body.outputs?.[0];
    if (!r.ok || !out) throw new Error(`v2 infer answered ${r.status}: ${body.error ?? JSON.stringify(body)}`);
    return out.data.map(Number);
  }
  const res = (await target.grpc.predict(
    {
      model_spec: { name: target.model },
      inputs: {
        [target.sig.input.name]: {
          dtype: 'DT_FLOAT',
          tensor_shape: { dim: [1, ...shape].map((size) => ({ size })) },
          tensor_content: Buffer.from(row.buffer, row.byteOffset, row.byteLength),
        },
      },
    },
    id,
  )) as { outputs: Record<string, { float_val: number[]; tensor_content: Buffer }> };
  const out = res.outputs[target.sig.output.name] ?? Object.values(res.outputs)[0];
  if (!out) throw new Error('gRPC Predict returned no outputs');
  if (out.float_val.length > 0) return out.float_val.map(Number);
  const b = out.tensor_content;
  return Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
}

/**
 * Sends `requests` single-row predictions round-robin over TF Serving REST, Open Inference v2 REST and gRPC,
 * `concurrency` at a time, each with its own request id; returns every answer (row, true label, predicted class).
 */
export async function sendBurst(opts: {
  restUrl: string;
  grpcAddress: string;
  model: string;
  sig: ServedSignature;
  rows: TrafficRows;
  requests: number;
  concurrency: number;
  idPrefix: string;
  onProgress?: (done: number) => void;
}): Promise<ServedPrediction[]> {
  const client = grpcPredictionClient(opts.grpcAddress);
  const target = { restUrl: opts.restUrl, grpc: client, model: opts.model, sig: opts.sig };
  const protocols: ServedPrediction['protocol'][] = ['rest-tf', 'rest-v2', 'grpc'];
  const out: ServedPrediction[] = [];
  let next = 0;
  try {
    const lane = async (): Promise<void> => {
      while (next < opts.requests) {
        const i = next++;
        const row = i % opts.rows.count;
        const protocol = protocols[i % protocols.length]!;
        const id = `${opts.idPrefix}-${i}`;
        const x = opts.rows.x.subarray(row * opts.rows.rowSize, (row + 1) * opts.rows.rowSize);
        const t0 = performance.now();
        const probs = await predictOne(target, protocol, x, id);
        out.push({
          requestId: id,
          protocol,
          row,
          label: opts.rows.labels[row]!,
          predicted: argmax(probs),
          probs,
          ms: performance.now() - t0,
        });
        opts.onProgress?.(out.length);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, lane));
  } finally {
    client.close();
  }
  return out.sort((a, b) => Number(a.requestId.split('-').pop()) - Number(b.requestId.split('-').pop()));
}

/** Posts ground truth for `predictions` to POST /v1/feedback (labels as the server names classes). */
export async function sendFeedback(
  restUrl: string,
  predictions: readonly ServedPrediction[],
  classLabels?: readonly string[],
): Promise<number> {
  const feedback = predictions.map((p) => ({ request_id: p.requestId, label: classLabels?.[p.label] ?? String(p.label) }));
  const r = await fetch(`${restUrl}/v1/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ feedback }),
  });
  if (!r.ok) throw new Error(`POST /v1/feedback answered ${r.status}: ${await r.text()}`);
  return feedback.length;
}
