// Training the MNIST CNN (Conv2D 32 → MaxPool → Conv2D 64 → MaxPool → Flatten → Dense 10 softmax) on real MNIST:
// the first 8,000 t10k images train, the last 2,000 test; batch 32, Adam 1e-3, 3 epochs. Prints samples/s, GFLOP/s
// (~14.3 MFLOP per training sample), test accuracy, peak RSS and single-sample predict latency, and, when Debian's
// python3 has torch, runs ../shared/anchors/torch_mnist_cnn.py (unchanged, paced by bench/torch-mnist-paced.py) with
// the same thread count in the same run, alternated with Slipway: one epoch of each per round (A B A B A B, each
// side's model trained on across rounds, so each ends with its full 3-epoch accuracy), then the batch-1 latency of
// each, 3 rounds. Prints medians and the min–max of the per-round ratios.
// Threads: SLIPWAY_THREADS (default: the native pool's default), used for PyTorch too.
// Run: node --import tsx bench/train-mnist.ts [--epochs 3] [--no-torch]
import { mnistCnn } from './mnist-cnn.js';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { adam, datasets } from '../src/engine/index.js';
import { kernelsInfo } from '../src/engine/kernels/select-kernels.js';
import { sliceRows } from '../src/engine/tensor.js';
import { median, ratioLine } from './alternate.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const epochs = arg('--epochs', 3);
const LATENCY_ROUNDS = 3;
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

/** The PyTorch anchor, paused between its timed sections: `step()` lets it run to its next printed line. */
interface PacedAnchor {
  step(): Promise<string>;
  close(): void;
}

async function startTorch(): Promise<PacedAnchor | null> {
  const wanted = !process.argv.includes('--no-torch');
  if (wanted && existsSync(anchor) && spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) {
    const child = spawn(
      '/usr/bin/python3',
      ['-u', join(import.meta.dirname, 'torch-mnist-paced.py'), anchor, mnistDir, String(info.threads), String(epochs)],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<string> => {
      const r = await lines.next();
      if (r.done) throw new Error('the PyTorch anchor ended early (see its stderr above)');
      return r.value;
    };
    const first = await next();
    if (first !== 'ready') throw new Error(`unexpected first line from the PyTorch anchor: ${first}`);
    return {
      step: async () => {
        child.stdin.write('go\n');
        return next();
      },
      close: () => child.stdin.end(),
    };
  }
  console.log(
    wanted
      ? 'PyTorch anchor skipped (needs /usr/bin/python3 with torch: apt-get install python3-torch)'
      : 'PyTorch anchor skipped (--no-torch)',
  );
  return null;
}

const torch = await startTorch();
const parse = (line: string, re: RegExp): RegExpExecArray => {
  const m = re.exec(line);
  if (!m) throw new Error(`cannot parse the PyTorch anchor's line: ${line}`);
  return m;
};

const model = mnistCnn(0);
model.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

const ours = { sps: [] as number[], latency: [] as number[] };
const theirs = { sps: [] as number[], latency: [] as number[] };
let t0 = 0;
let accuracy = 0;
let torchAcc = NaN;
await model.fit(xTrain, yTrain, {
  epochs,
  batchSize: 32,
  seed: 0,
  callbacks: {
    onEpochBegin: () => {
      t0 = performance.now();
    },
    onEpochEnd: async (e, logs) => {
      const dt = performance.now() - t0;
      ours.sps.push(8000 / (dt / 1000));
      accuracy = model.evaluate(xTest, yTest).accuracy!;
      console.log(
        `round ${e + 1} slipway epoch ${e + 1}: ${(dt / 1000).toFixed(2)}s train (${Math.round(8000 / (dt / 1000))} samples/s), loss ${logs.loss!.toFixed(4)}, test acc ${accuracy.toFixed(4)}`,
      );
      if (!torch) return;
      // The anchor's own line: "epoch N: 1.23s train (6500 samples/s), test acc 0.9620, loss 0.1234".
      const line = await torch.step();
      const m = parse(line, /^epoch (\d+): [\d.]+s train \((\d+) samples\/s\), test acc ([\d.]+)/);
      theirs.sps.push(Number(m[2]));
      torchAcc = Number(m[3]);
      console.log(`round ${e + 1} pytorch ${line}`);
    },
  },
});
const peakRssMiB = process.resourceUsage().maxRSS / 1024;

// Single-sample latency: the 2,000 test images one at a time (after a warm-up), as the anchor measures it.
for (let i = 0; i < 50; i++) model.predict(sliceRows(xTest, i, i + 1));
for (let r = 0; r < LATENCY_ROUNDS; r++) {
  const tp = performance.now();
  for (let i = 0; i < 2000; i++) model.predict(sliceRows(xTest, i, i + 1));
  ours.latency.push((performance.now() - tp) / 2000);
  let line = '';
  if (torch) {
    line = await torch.step();
    theirs.latency.push(Number(parse(line, /inference batch=1: ([\d.]+) ms/)[1]));
  }
  console.log(
    `round ${r + 1} predict batch 1: slipway ${ours.latency.at(-1)!.toFixed(3)} ms/sample${torch ? ` | pytorch ${theirs.latency.at(-1)!.toFixed(3)} ms/sample` : ''}`,
  );
}
torch?.close();

const range = (xs: number[], digits: number): string =>
  `median ${median(xs).toFixed(digits)} (min–max ${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
const gflops = (sps: number[]): string => `${((median(sps) * FLOP_PER_SAMPLE) / 1e9).toFixed(1)} GFLOP/s`;
console.log(`\nslipway (${info.backend}, ${info.threads} threads)`);
console.log(`  training:    ${range(ours.sps, 0)} samples/s per epoch, ${gflops(ours.sps)}`);
console.log(`  test acc:    ${accuracy.toFixed(4)} after ${epochs} epochs (target ≥ 0.97)`);
console.log(`  predict:     ${range(ours.latency, 3)} ms/sample (batch 1)`);
console.log(`  peak RSS:    ${peakRssMiB.toFixed(0)} MiB (target < 1024)`);
if (torch) {
  console.log(`\npytorch (${info.threads} threads)`);
  console.log(`  training:    ${range(theirs.sps, 0)} samples/s per epoch, ${gflops(theirs.sps)}`);
  console.log(`  test acc:    ${torchAcc.toFixed(4)} after ${theirs.sps.length} epochs`);
  console.log(`  predict:     ${range(theirs.latency, 3)} ms/sample`);
  console.log(`\nratios (slipway / pytorch), per round, ${epochs} training and ${LATENCY_ROUNDS} latency rounds alternated`);
  console.log(`  throughput:  ${ratioLine(theirs.sps, ours.sps)} (goal ≥ 1.0, floor 0.5)`);
  console.log(`  latency:     ${ratioLine(theirs.latency, ours.latency)} (goal ≤ 1.0)`);
}
