import type { ModelRuntime, TensorData } from '../runtime/index.js';

/** A model's outputs for a set of rows, and the time spent inside the model. */
export interface Predictions {
  /** rows × k, row-major (the model's first output). */
  readonly outputs: Float32Array;
  readonly rows: number;
  readonly k: number;
}

/** Accumulates the time spent inside `runtime.predict`, the model's own evaluation time. */
export interface PredictClock {
  ms: number;
  calls: number;
}

/** Runs one batch through the runtime and returns its first output as float32. */
export async function predictBatch(
  runtime: ModelRuntime,
  x: Float32Array,
  rows: number,
  rowShape: readonly number[],
  clock: PredictClock,
): Promise<{ data: Float32Array; k: number }> {
  const input = runtime.signature.inputs[0]!;
  const data = input.dtype === 'FP64' ? Float64Array.from(x) : x;
  const feed: Record<string, TensorData> = { [input.name]: { dtype: input.dtype, shape: [rows, ...rowShape], data } };
  const t0 = performance.now();
  const out = await runtime.predict(feed);
  clock.ms += performance.now() - t0;
  clock.calls++;
  const name = runtime.signature.outputs[0]?.name;
  const t = (name !== undefined ? out[name] : undefined) ?? Object.values(out)[0];
  if (!t) throw new Error('the model returned no output');
  const values = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
  return { data: values, k: rows === 0 ? 0 : values.length / rows };
}

/** Predicts every row of `x` in batches of `batchSize` (one set of predictions, reused by every metric rule). */
export async function predictAll(
  runtime: ModelRuntime,
  x: Float32Array,
  rows: number,
  rowShape: readonly number[],
  batchSize: number,
  clock: PredictClock,
): Promise<Predictions> {
  const width = rowShape.reduce((a, b) => a * b, 1);
  let outputs: Float32Array | null = null;
  let k = 0;
  for (let start = 0; start < rows; start += batchSize) {
    const n = Math.min(batchSize, rows - start);
    const batch = await predictBatch(runtime, x.subarray(start * width, (start + n) * width), n, rowShape, clock);
    if (!outputs) {
      k = batch.k;
      outputs = new Float32Array(rows * k);
    }
    outputs.set(batch.data, start * k);
  }
  return { outputs: outputs ?? new Float32Array(0), rows, k };
}
