import { parentPort, workerData } from 'node:worker_threads';
import { loadEngineModel } from './engine-model.js';

/** Worker side of the engine runtime: loads one model, answers predict messages in order. */
interface PredictMessage {
  readonly id: number;
  readonly shape: number[];
  readonly data: Float32Array;
}

const port = parentPort;
if (!port) throw new Error('engine-worker must run inside a worker thread');
const { dir, kernelThreads } = workerData as { dir: string; kernelThreads?: number };

try {
  const model = await loadEngineModel(dir, kernelThreads);
  port.postMessage({ ready: true });
  port.on('message', (m: PredictMessage) => {
    try {
      const y = model.predict({ shape: m.shape, data: m.data });
      // Copy: the model may hand back a view of a buffer it reuses, which transferring would detach.
      const data = Float32Array.from(y.data);
      port.postMessage({ id: m.id, shape: [...y.shape], data }, [data.buffer]);
    } catch (e) {
      port.postMessage({ id: m.id, error: (e as Error).message });
    }
  });
} catch (e) {
  port.postMessage({ ready: false, error: (e as Error).message });
}
