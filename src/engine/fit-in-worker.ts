import { Worker } from 'node:worker_threads';
import { SlipwayError, type ErrorCode } from '../errors/index.js';
import { mergeCallbacks, trackingCallbacks } from './fit-tracking.js';
import type { FitEvent, FitJob } from './fit-worker-protocol.js';
import type { FitOptions, History, Model } from './model.js';
import { modelToFile } from './model-io.js';
import type { ModelInternals } from './model-internals.js';
import type { Tensor } from './tensor.js';

/** Options of `fitInWorker`: those of `fit`. */
export type FitInWorkerOptions = FitOptions;

/**
 * Starts the worker script next to this module: fit-worker.js in the compiled dist; under tsx (tests, dev) a small
 * bootstrap registers tsx (its ESM API) first and then imports fit-worker.ts, since Node 20 workers cannot start from a
 * .ts entry even when `--import tsx` is inherited through execArgv.
 */
function startWorker(job: FitJob): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./fit-worker.js', import.meta.url), { workerData: job });
  const entry = new URL('./fit-worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const execArgv: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const a = process.execArgv[i]!;
    if ((a === '--import' || a === '--loader') && process.execArgv[i + 1]?.includes('tsx')) i++;
    else if (!a.includes('tsx')) execArgv.push(a);
  }
  const code = `import(${JSON.stringify(api)}).then((tsx) => (tsx.register(), import(${JSON.stringify(entry)})))`;
  return new Worker(code, { eval: true, workerData: job, execArgv });
}

/**
 * Trains like `model.fit` but in a worker thread, so the event loop (a server, timers, progress bars) stays
 * responsive. The model's weights are updated in place when training ends; callbacks and tracking run on this
 * thread. Each call starts with fresh optimizer state (the worker's); a given `seed` gives the same weights as `fit`.
 */
export async function fitInWorker(model: Model, x: Tensor, y: Tensor, opts: FitInWorkerOptions = {}): Promise<History> {
  if (!model.compiled) throw new SlipwayError('MODEL_NOT_COMPILED', 'call model.compile({ optimizer, loss }) before fitInWorker', {});
  if (!model.inputShape && x.shape.length > 1) model.build(x.shape.slice(1));
  const internals = (model as Model & { internals?: ModelInternals }).internals;
  internals?.checkInputs(x, y, 'training');
  const seed = opts.seed ?? internals?.rng.seed() ?? 0;
  const epochs = opts.epochs ?? 1;
  const batchSize = model.compiled.optimizer.type === 'gd' ? x.shape[0]! : (opts.batchSize ?? 32);
  const cb = mergeCallbacks(
    opts.run ? trackingCallbacks(opts.run, model, { epochs, batchSize, samples: x.shape[0]!, seed: opts.seed, privacy: opts.privacy }) : {},
    opts.callbacks ?? {},
  );
  const { callbacks: _c, run: _r, validationData, ...rest } = opts;
  const { file, weights } = modelToFile(model);
  const job: FitJob = {
    file,
    weights,
    x,
    y,
    opts: { ...rest, seed, ...(validationData ? { validationData: [validationData[0], validationData[1]] } : {}) },
    kernels: model.kernels.name === 'reference' ? 'reference' : 'default',
    batchEvents: Boolean(cb.onBatchEnd),
  };
  await cb.onTrainBegin?.();
  const worker = startWorker(job);
  model.stopTraining = false;
  let chain: Promise<void> = Promise.resolve();
  const result = await new Promise<{ history: History; weights: Float32Array; logs: Record<string, number> }>((resolve, reject) => {
    let settled = false;
    worker.on('message', (e: FitEvent) => {
      // Callbacks run in order, one after another, as they would in fit.
      chain = chain.then(async () => {
        if (e.type === 'epochBegin') await cb.onEpochBegin?.(e.epoch);
        else if (e.type === 'batch') await cb.onBatchEnd?.(e.batch, e.logs);
        else if (e.type === 'epoch') {
          await cb.onEpochEnd?.(e.epoch, e.logs);
          worker.postMessage({ type: 'epochAck', stop: model.stopTraining });
          return;
        }
        if (model.stopTraining) worker.postMessage({ type: 'stop' });
      });
      // A throwing callback ends training (as in fit); the worker, possibly waiting for an epoch ack, is stopped.
      chain.catch((err: unknown) => {
        if (settled) return;
        settled = true;
        void worker.terminate();
        reject(err);
      });
      if (e.type === 'done') {
        settled = true;
        chain.then(() => resolve(e), reject);
      } else if (e.type === 'error') {
        settled = true;
        reject(new SlipwayError(e.code as ErrorCode, e.message, e.details));
      }
    });
    worker.on('error', (err) => {
      if (!settled) reject(new SlipwayError('TRAINING_FAILED', `the training worker failed: ${err.message}`, {}, { cause: err }));
      settled = true;
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new SlipwayError('TRAINING_FAILED', `the training worker exited with code ${code} before finishing`, {}));
    });
  });
  let o = 0;
  for (const l of model.layers) {
    for (const p of l.params) {
      p.value.set(result.weights.subarray(o, o + p.value.length));
      o += p.value.length;
    }
  }
  await cb.onTrainEnd?.(result.logs);
  return result.history;
}
