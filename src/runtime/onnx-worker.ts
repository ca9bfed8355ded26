import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { WireTensor } from './onnx-worker-pool.js';

/** Worker side of the ONNX worker: one session, answers run messages in order. */
interface RunMessage {
  readonly id: number;
  readonly feeds: readonly WireTensor[];
}

const port = parentPort;
if (!port) throw new Error('onnx-worker must run inside a worker thread');
const { file, options, outputNames } = workerData as {
  file: string;
  options: ort.InferenceSession.SessionOptions;
  outputNames: string[];
};

try {
  const session = await ort.InferenceSession.create(file, options);
  port.postMessage({ ready: true });
  port.on('message', (m: RunMessage) => {
    void (async () => {
      try {
        const feeds: Record<string, ort.Tensor> = {};
        for (const t of m.feeds) feeds[t.name] = new ort.Tensor(t.type, t.data as ort.Tensor.DataType, t.dims as number[]);
        const res = await session.run(feeds, outputNames);
        const outputs: WireTensor[] = [];
        const transfer: ArrayBuffer[] = [];
        for (const name of outputNames) {
          const r = res[name];
          if (!r) continue;
          const data = r.data as WireTensor['data'];
          outputs.push({ name, type: r.type as ort.Tensor.Type, dims: [...r.dims], data });
          if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) transfer.push(data.buffer as ArrayBuffer);
        }
        port.postMessage({ id: m.id, outputs }, transfer);
      } catch (e) {
        port.postMessage({ id: m.id, error: (e as Error).message });
      }
    })();
  });
} catch (e) {
  port.postMessage({ ready: false, error: (e as Error).message });
}
