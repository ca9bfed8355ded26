import type { ModelRuntime, TensorData } from '../runtime/index.js';
import { allocTyped } from './tensor-codec.js';

/** Dynamic batching settings (off unless given). */
export interface BatchingOptions {
  /** Most rows one runtime call may take. */
  readonly maxBatchSize: number;
  /** Longest a request waits for others before its batch runs. */
  readonly maxQueueDelayMs: number;
}

/** Observes what the batcher does (metrics). */
export interface BatchObserver {
  batch(rows: number): void;
  queueDepth(depth: number): void;
}

type Inputs = Readonly<Record<string, TensorData>>;
type Outputs = Record<string, TensorData>;

interface Waiting {
  readonly inputs: Inputs;
  readonly rows: number;
  resolve(v: Outputs): void;
  reject(e: unknown): void;
}

/**
 * Wraps a runtime so concurrent requests are concatenated along the batch dimension and run as one call.
 * Trade-off: each request may wait up to maxQueueDelayMs more, in exchange for fewer, larger runtime calls
 * (better throughput under load, since per-call overhead and kernel setup are paid once per batch).
 * Requests are only merged when every input's first dimension is the batch; rows come back in order.
 */
export function batchingPredict(
  runtime: ModelRuntime,
  opts: BatchingOptions,
  observer?: BatchObserver,
): (inputs: Inputs) => Promise<Outputs> {
  const queue: Waiting[] = [];
  let queuedRows = 0;
  let timer: NodeJS.Timeout | null = null;
  let running = false;

  const flush = (): void => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (queue.length === 0) return;
    const take: Waiting[] = [];
    let rows = 0;
    while (queue.length > 0 && (take.length === 0 || rows + queue[0]!.rows <= opts.maxBatchSize)) {
      const w = queue.shift()!;
      take.push(w);
      rows += w.rows;
    }
    queuedRows -= rows;
    observer?.queueDepth(queue.length);
    observer?.batch(rows);
    running = true;
    void runBatch(runtime, take, rows).finally(() => {
      running = false;
      // A full batch runs at once; a partial one waits up to the delay for more rows (measured in bench/serve.ts:
      // running partial batches straight away gave smaller batches and no throughput gain at 64 connections).
      if (queue.length > 0) {
        if (queuedRows >= opts.maxBatchSize) flush();
        else schedule();
      }
    });
  };
  const schedule = (): void => {
    if (!timer) timer = setTimeout(flush, opts.maxQueueDelayMs);
  };

  return (inputs) =>
    new Promise<Outputs>((resolve, reject) => {
      const rows = Object.values(inputs)[0]?.shape[0] ?? 1;
      queue.push({ inputs, rows, resolve, reject });
      queuedRows += rows;
      observer?.queueDepth(queue.length);
      if (running) return; // flushed when the running batch finishes
      if (queuedRows >= opts.maxBatchSize) flush();
      else schedule();
    });
}

async function runBatch(runtime: ModelRuntime, take: Waiting[], rows: number): Promise<void> {
  if (take.length === 1) {
    const w = take[0]!;
    try {
      w.resolve(await runtime.predict(w.inputs));
    } catch (e) {
      w.reject(e);
    }
    return;
  }
  let out: Outputs;
  try {
    out = await runtime.predict(
      concatInputs(
        take.map((w) => w.inputs),
        rows,
      ),
    );
  } catch {
    // One bad request must not fail the others: fall back to running each on its own.
    await Promise.all(
      take.map(async (w) => {
        try {
          w.resolve(await runtime.predict(w.inputs));
        } catch (e) {
          w.reject(e);
        }
      }),
    );
    return;
  }
  let offset = 0;
  for (const w of take) {
    const mine: Outputs = {};
    for (const [name, t] of Object.entries(out)) mine[name] = sliceRows(t, offset, offset + w.rows);
    offset += w.rows;
    w.resolve(mine);
  }
}

function concatInputs(all: readonly Inputs[], rows: number): Inputs {
  const first = all[0]!;
  const out: Record<string, TensorData> = {};
  for (const [name, t0] of Object.entries(first)) {
    const per = t0.data.length / (t0.shape[0] || 1);
    const data = allocTyped(t0.dtype, rows * per);
    let off = 0;
    for (const inp of all) {
      const t = inp[name];
      if (!t || t.shape.slice(1).join(',') !== t0.shape.slice(1).join(',') || t.dtype !== t0.dtype)
        throw new Error('requests differ in shape');
      (data as Float32Array).set(t.data as Float32Array, off);
      off += t.data.length;
    }
    out[name] = { dtype: t0.dtype, shape: [rows, ...t0.shape.slice(1)], data };
  }
  return out;
}

function sliceRows(t: TensorData, from: number, to: number): TensorData {
  const per = t.data.length / (t.shape[0] || 1);
  return { dtype: t.dtype, shape: [to - from, ...t.shape.slice(1)], data: t.data.slice(from * per, to * per) };
}
