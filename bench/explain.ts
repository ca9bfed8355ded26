// Integrated gradients for one MNIST image, 50 steps, on the reference MNIST CNN (target < 100 ms): one forward
// and one backward pass of the 51 path images. Anchor B: model.predict on the same 51 images (forward only).
// Alternates A B A B … (after a warm-up) and prints medians and the min–max of the ratio A/B.
// Run: node --import tsx bench/explain.ts [--reps 7]
import { join } from 'node:path';
import { readIdxSync } from '../src/data/index.js';
import { tensor } from '../src/engine/index.js';
import { integratedGradients } from '../src/explain/index.js';
import { mnistCnn } from './mnist-cnn.js';

const i = process.argv.indexOf('--reps');
const reps = i >= 0 ? Number(process.argv[i + 1]) : 7;
const imgs = readIdxSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'mnist', 't10k-images-idx3-ubyte.gz'));
const x = Float32Array.from(imgs.data.subarray(0, 784) as ArrayLike<number>, (v) => v / 255);
const model = mnistCnn(1);
model.build([28, 28, 1]);
const path = new Float32Array(51 * 784);
for (let k = 0; k <= 50; k++) for (let p = 0; p < 784; p++) path[k * 784 + p] = (k / 50) * x[p]!;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const a: number[] = [];
const b: number[] = [];
let gap = 0;
for (let r = -1; r < reps; r++) {
  let t = performance.now();
  // maxSteps 50: time exactly 50 steps, as the figure asks (the CLI may double them for completeness).
  const ig = integratedGradients(model, x, { steps: 50, maxSteps: 50 });
  const ta = performance.now() - t;
  t = performance.now();
  model.predict(tensor(path, [51, 28, 28, 1]));
  const tb = performance.now() - t;
  if (r < 0) continue; // warm-up
  a.push(ta);
  b.push(tb);
  gap = Math.abs(ig.completenessGap) / Math.max(1e-12, Math.abs(ig.value - ig.baselineValue));
}
const ratios = a.map((v, k) => v / b[k]!);
console.log(
  `A integrated gradients, 50 steps: median ${median(a).toFixed(1)} ms (target < 100 ms); completeness gap ${(gap * 100).toFixed(3)} %`,
);
console.log(`B predict of the 51 path images:  median ${median(b).toFixed(1)} ms`);
console.log(`A/B: median ${median(ratios).toFixed(2)}, min–max ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`);
