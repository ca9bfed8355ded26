// Exports the DESIGN.md MNIST CNN to ONNX and compares prediction speed: the engine's predict vs onnxruntime-node
// (the anchor) on the same weights and inputs, single-sample latency and batch-64 throughput; the two sides are
// alternated A B A B A B and each line prints medians and the min–max of the ratio across rounds.
// Run: node --import tsx bench/onnx-predict.ts
import { alternate, median, ratioLine, sideLine } from './alternate.js';
import { mnistCnn } from './mnist-cnn.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { saveModel } from '../src/engine/index.js';
import { exportOnnx } from '../src/engine/onnx/export-onnx.js';
import { generateDigits } from '../src/data/datasets/synthetic-digits.js';

async function time(reps: number, f: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await f();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await f();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-onnx-'));
try {
  const model = mnistCnn(1);
  await saveModel(model, dir);
  const t0 = performance.now();
  const bytes = await exportOnnx(dir);
  const exportMs = performance.now() - t0;
  const session = await ort.InferenceSession.create(bytes);
  const data = generateDigits({ count: 64, seed: 1 });
  const one = { shape: [1, 28, 28, 1], data: data.images.slice(0, 784) };
  const batch = { shape: [64, 28, 28, 1], data: data.images };
  const ortRun = (x: { shape: number[]; data: Float32Array }) => session.run({ input: new ort.Tensor('float32', x.data, x.shape) });

  const single = await alternate(
    3,
    () => time(200, () => model.predict(one)),
    () => time(200, () => ortRun(one)),
  );
  const b64 = await alternate(
    3,
    () => time(30, () => model.predict(batch)),
    () => time(30, () => ortRun(batch)),
  );
  console.log(`export: ${exportMs.toFixed(1)} ms, ${(bytes.length / 1024).toFixed(1)} KiB (opset 13)`);
  console.log('single-sample predict, 3 rounds A B A B A B (median of 200 each):');
  console.log(`  ${sideLine('engine', single.a, 'ms', 3)}`);
  console.log(`  ${sideLine('onnxruntime', single.b, 'ms', 3)}`);
  console.log(`  engine/onnxruntime time ${ratioLine(single.b, single.a)}`);
  const sps = (xs: number[]): number[] => xs.map((ms) => (64 / ms) * 1000);
  console.log('batch 64, 3 rounds A B A B A B (median of 30 each):');
  console.log(`  ${sideLine('engine', sps(b64.a), 'samples/s')}`);
  console.log(`  ${sideLine('onnxruntime', sps(b64.b), 'samples/s')}`);
  console.log(`  engine throughput / onnxruntime's ${ratioLine(sps(b64.b), sps(b64.a))}`);
  const t1 = performance.now();
  const d = generateDigits({ count: 2000, seed: 2 });
  console.log(`synthetic digits: ${((d.count / (performance.now() - t1)) * 1000).toFixed(0)} images/s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
