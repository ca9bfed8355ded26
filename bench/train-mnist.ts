// Training the MNIST CNN (Conv2D 32 → MaxPool → Conv2D 64 → MaxPool → Flatten → Dense 10 softmax) on real MNIST:
// the first 8,000 t10k images train, the last 2,000 test; batch 32, Adam 1e-3, 3 epochs. Prints samples/s, GFLOP/s
// (~14.3 MFLOP per training sample), test accuracy, peak RSS and single-sample predict latency, and, when Debian's
// python3 has torch, runs ../shared/anchors/torch_mnist_cnn.py with the same thread count in the same run and
// prints the ratios. Threads: SLIPWAY_THREADS (default: the native pool's default), used for PyTorch too.
// Run: node --import tsx bench/train-mnist.ts [--epochs 3] [--no-torch]
import { mnistCnn } from './mnist-cnn.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { adam, datasets } from '../src/engine/index.js';
import { kernelsInfo } from '../src/engine/kernels/select-kernels.js';
import { sliceRows } from '../src/engine/tensor.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const epochs = arg('--epochs', 3);
const FLOP_PER_SAMPLE = 14.3e6;
const root = join(import.meta.dirname, '..');
const mnistDir = join(root, '..', 'shared', 'data', 'mnist');
const anchor = join(root, '..', 'shared', 'anchors', 'torch_mnist_cnn.py');

const info = kernelsInfo();
console.log(`kernels: ${info.backend}, ${info.threads} thread(s), simd ${info.simd}`);

const { test } = await datasets.mnist.load({ dir: mnistDir });
const xTrain = sliceRows(test.x, 0, 8000);
const yTrain = sliceRows(test.y, 0, 8000);
const xTest = sliceRows(test.x, 8000, 10000);
const yTest = sliceRows(test.y, 8000, 10000);

const model = mnistCnn(0);
model.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

let trainMs = 0;
let t0 = 0;
let accuracy = 0;
await model.fit(xTrain, yTrain, {
  epochs,
  batchSize: 32,
  seed: 0,
  callbacks: {
    onEpochBegin: () => {
      t0 = performance.now();
    },
    onEpochEnd: (e, logs) => {
      const dt = performance.now() - t0;
      trainMs += dt;
      accuracy = model.evaluate(xTest, yTest).accuracy!;
      console.log(
        `epoch ${e + 1}: ${(dt / 1000).toFixed(2)}s train (${Math.round(8000 / (dt / 1000))} samples/s), loss ${logs.loss!.toFixed(4)}, test acc ${accuracy.toFixed(4)}`,
      );
    },
  },
});
const sps = (8000 * epochs) / (trainMs / 1000);
const peakRssMiB = process.resourceUsage().maxRSS / 1024;

// Single-sample latency: the 2,000 test images one at a time (after a warm-up), as the anchor measures it.
for (let i = 0; i < 50; i++) model.predict(sliceRows(xTest, i, i + 1));
const tp = performance.now();
for (let i = 0; i < 2000; i++) model.predict(sliceRows(xTest, i, i + 1));
const latencyMs = (performance.now() - tp) / 2000;

console.log(`\nslipway (${info.backend}, ${info.threads} threads)`);
console.log(`  training:    ${Math.round(sps)} samples/s, ${((sps * FLOP_PER_SAMPLE) / 1e9).toFixed(1)} GFLOP/s`);
console.log(`  test acc:    ${accuracy.toFixed(4)} after ${epochs} epochs (target ≥ 0.97)`);
console.log(`  predict:     ${latencyMs.toFixed(3)} ms/sample (batch 1)`);
console.log(`  peak RSS:    ${peakRssMiB.toFixed(0)} MiB (target < 1024)`);

const torchOk =
  !process.argv.includes('--no-torch') &&
  existsSync(anchor) &&
  spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!torchOk) {
  console.log(
    process.argv.includes('--no-torch')
      ? '\nPyTorch anchor skipped (--no-torch)'
      : '\nPyTorch anchor skipped (needs /usr/bin/python3 with torch: apt-get install python3-torch)',
  );
} else {
  const out = execFileSync('/usr/bin/python3', [anchor, mnistDir, String(info.threads), String(epochs)], { encoding: 'utf8' });
  const rates = [...out.matchAll(/\((\d+) samples\/s\), test acc ([\d.]+)/g)];
  const secs = [...out.matchAll(/epoch \d+: ([\d.]+)s train/g)].map((m) => Number(m[1]));
  const torchSps = (8000 * secs.length) / secs.reduce((a, b) => a + b, 0);
  const torchAcc = Number(rates.at(-1)?.[2]);
  const torchLatency = Number(/inference batch=1: ([\d.]+) ms/.exec(out)?.[1]);
  console.log(`\npytorch (${info.threads} threads)`);
  console.log(`  training:    ${Math.round(torchSps)} samples/s, ${((torchSps * FLOP_PER_SAMPLE) / 1e9).toFixed(1)} GFLOP/s`);
  console.log(`  test acc:    ${torchAcc.toFixed(4)}`);
  console.log(`  predict:     ${torchLatency.toFixed(3)} ms/sample`);
  console.log('\nratios (slipway / pytorch)');
  console.log(`  throughput:  ${(sps / torchSps).toFixed(2)}× (goal ≥ 1.0, floor 0.5)`);
  console.log(`  latency:     ${(latencyMs / torchLatency).toFixed(2)}× (goal ≤ 1.0)`);
}
