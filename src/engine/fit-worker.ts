/** The worker-thread side of `fitInWorker`: rebuilds the model, trains it, posts progress and the new weights. */
import { parentPort, workerData } from 'node:worker_threads';
import { isSlipwayError } from '../errors/index.js';
import type { FitEvent, FitJob } from './fit-worker-protocol.js';
import { referenceKernels } from './kernels/reference-kernels.js';
import type { Logs } from './model.js';
import { modelFromFile, modelToFile } from './model-io.js';

const job = workerData as FitJob;
const port = parentPort!;
const post = (e: FitEvent, transfer: ArrayBuffer[] = []): void => port.postMessage(e, transfer);

try {
  const model = modelFromFile(job.file, job.weights, job.kernels === 'reference' ? { kernels: referenceKernels } : {});
  // The main thread answers every epoch end (after its own onEpochEnd ran), so a callback that sets stopTraining
  // stops training right after that epoch, as in Keras, however busy the main thread is.
  let epochAck: ((stop: boolean) => void) | undefined;
  port.on('message', (m: { type?: string; stop?: boolean }) => {
    if (m?.type === 'stop') model.stopTraining = true;
    else if (m?.type === 'epochAck') epochAck?.(Boolean(m.stop));
  });
  let last: Logs = {};
  const history = await model.fit(job.x, job.y, {
    ...job.opts,
    callbacks: {
      onEpochBegin: (epoch) => post({ type: 'epochBegin', epoch }),
      onEpochEnd: async (epoch, logs) => {
        last = logs;
        const stop = await new Promise<boolean>((resolve) => {
          epochAck = resolve;
          post({ type: 'epoch', epoch, logs });
        });
        if (stop) model.stopTraining = true;
      },
      ...(job.batchEvents ? { onBatchEnd: (batch: number, logs: Logs) => post({ type: 'batch', batch, logs }) } : {}),
    },
  });
  const { weights } = modelToFile(model);
  post({ type: 'done', history, weights, logs: last }, [weights.buffer as ArrayBuffer]);
} catch (e) {
  if (isSlipwayError(e)) post({ type: 'error', code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) });
  else post({ type: 'error', code: 'TRAINING_FAILED', message: `training failed in the worker: ${(e as Error)?.stack ?? String(e)}` });
} finally {
  port.close();
}
