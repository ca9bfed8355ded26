import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DTYPE_OF_ORT_TYPE, type DType, type Signature, type TensorSpec } from '../engine/signature.js';
import { SlipwayError } from '../errors/index.js';
import type { ModelRuntime, TensorData } from './model-runtime.js';
import { startOnnxWorkerPool, type OnnxWorkerPool, type WireTensor } from './onnx-worker-pool.js';
import { checkInputs, closedRuntimeError } from './check-inputs.js';

const ORT_TO_DTYPE = DTYPE_OF_ORT_TYPE;
const DTYPE_TO_ORT: Partial<Record<DType, ort.Tensor.Type>> = {
  FP32: 'float32',
  FP64: 'float64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  UINT8: 'uint8',
};

/** Signature from the ONNX graph's own input/output metadata (symbolic dims become -1). */
function signatureFromSession(session: ort.InferenceSession): Signature {
  const spec = (m: ort.InferenceSession.ValueMetadata): TensorSpec => {
    if (!m.isTensor)
      throw new SlipwayError(
        'RUNTIME_UNSUPPORTED',
        `ONNX value "${m.name}" is not a tensor; only tensor inputs and outputs can be served.`,
      );
    const dtype = ORT_TO_DTYPE[m.type];
    if (!dtype) throw new SlipwayError('RUNTIME_UNSUPPORTED', `ONNX value "${m.name}" has type ${m.type}, which the server cannot serve.`);
    return { name: m.name, dtype, shape: m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : -1)) };
  };
  return { inputs: session.inputMetadata.map(spec), outputs: session.outputMetadata.map(spec) };
}

// One intra-op thread per session: the server runs many requests concurrently, so parallelism comes from requests.
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' };

/** How the ONNX runtime runs its sessions. */
export interface OnnxRuntimeOptions {
  /** Worker threads with a session each (0: run on the calling thread, which onnxruntime-node does synchronously). */
  readonly workers?: number;
}

async function runInPool(pool: OnnxWorkerPool, inputs: Readonly<Record<string, TensorData>>): Promise<Record<string, TensorData>> {
  const feeds: WireTensor[] = [];
  for (const [name, t] of Object.entries(inputs)) {
    const type = DTYPE_TO_ORT[t.dtype];
    if (!type) throw new SlipwayError('INPUT_INVALID', `input "${name}" has dtype ${t.dtype}, which the ONNX runtime cannot take.`);
    feeds.push({ name, type, dims: t.shape, data: t.data });
  }
  const out: Record<string, TensorData> = {};
  for (const r of await pool.run(feeds)) out[r.name] = { dtype: ORT_TO_DTYPE[r.type] ?? 'FP32', shape: [...r.dims], data: r.data };
  return out;
}

/** Opens `dir/model.onnx` with onnxruntime-node; signature.json wins over the graph's metadata when present. */
export async function loadOnnxRuntime(dir: string, opts: OnnxRuntimeOptions = {}): Promise<ModelRuntime> {
  const file = join(dir, 'model.onnx');
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, SESSION_OPTIONS);
  } catch (e) {
    throw new SlipwayError(
      'MODEL_LOAD_FAILED',
      `Could not load ONNX model ${file}: ${(e as Error).message}. Check the file is a valid ONNX model (opset ≤ 21).`,
      undefined,
      { cause: e },
    );
  }
  const graphSig = signatureFromSession(session);
  let signature = graphSig;
  const sigFile = join(dir, 'signature.json');
  if (existsSync(sigFile)) {
    signature = JSON.parse(readFileSync(sigFile, 'utf8')) as Signature;
    const names = new Set(graphSig.inputs.map((t) => t.name));
    const missing = signature.inputs.filter((t) => !names.has(t.name));
    if (missing.length > 0) {
      await session.release();
      throw new SlipwayError(
        'MODEL_LOAD_FAILED',
        `signature.json names input(s) ${missing.map((t) => t.name).join(', ')} that the ONNX graph in ${dir} does not have (graph inputs: ${[...names].join(', ')}). Fix signature.json or re-export the model.`,
      );
    }
  }
  const outputNames = signature.outputs.map((t) => t.name);
  const workers = opts.workers ?? 0;
  let pool: OnnxWorkerPool | null = null;
  if (workers > 0) {
    await session.release();
    pool = await startOnnxWorkerPool(file, SESSION_OPTIONS, outputNames, workers);
  }
  let closed = false;
  return {
    format: 'onnx',
    signature,
    async predict(inputs: Readonly<Record<string, TensorData>>): Promise<Record<string, TensorData>> {
      if (closed) throw closedRuntimeError();
      checkInputs(signature, inputs);
      if (pool) return runInPool(pool, inputs);
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(inputs)) {
        const type = DTYPE_TO_ORT[t.dtype];
        if (!type) throw new SlipwayError('INPUT_INVALID', `input "${name}" has dtype ${t.dtype}, which the ONNX runtime cannot take.`);
        feeds[name] = new ort.Tensor(type, t.data as ort.Tensor.DataType, t.shape as number[]);
      }
      let res: ort.InferenceSession.OnnxValueMapType;
      try {
        res = await session.run(feeds, outputNames);
      } catch (e) {
        // The same code the engine runtimes give for a failed prediction.
        throw new SlipwayError('INPUT_INVALID', `prediction failed: ${(e as Error).message}`, undefined, { cause: e });
      }
      const out: Record<string, TensorData> = {};
      for (const name of outputNames) {
        const r = res[name];
        if (!r) continue;
        const dtype = ORT_TO_DTYPE[r.type] ?? 'FP32';
        out[name] = { dtype, shape: [...r.dims], data: r.data as TensorData['data'] };
      }
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (pool) await pool.close();
      else await session.release();
    },
  };
}
