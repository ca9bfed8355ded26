// DP-SGD on MNIST (8k/2k split: the first 8,000 t10k images train, the last 2,000 test). A small CNN of the kind
// DP-SGD papers use (Conv2D 16 5x5/2 relu → Conv2D 32 3x3/2 relu → Flatten → Dense 32 relu → Dense 10 softmax;
// the reference 32/64 CNN is larger than DP training usually takes), SGD with momentum, batch 256.
// 1. Accuracy: non-private training next to DP-SGD whose noise multiplier is calibrated (RDP accountant) to spend
//    ε ≈ 8 at δ = 1e-5 over the same epochs; prints the ε the fit reported. The two whole trainings alternate
//    A B A B A B too, for the whole-training time ratio.
// 2. Throughput: samples/s of one epoch over the 8,000 training rows, non-private (A) and private (B) alternated
//    A B A B A B; prints medians and the min–max of the private/non-private ratio (target ≥ 0.3×).
// Run: node --import tsx bench/dp-sgd.ts [--epochs 15] [--rounds 3] [--epsilon 8]
import { join } from 'node:path';
import { conv2d, datasets, dense, flatten, sequential, sgd, type Model } from '../src/engine/index.js';
import { kernelsInfo } from '../src/engine/kernels/select-kernels.js';
import { noiseMultiplierFor } from '../src/engine/privacy/rdp-accountant.js';
import { sliceRows } from '../src/engine/tensor.js';
import { alternate, median, ratioLine, sideLine } from './alternate.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const EPOCHS = arg('--epochs', 15);
const ROUNDS = arg('--rounds', 3);
const TARGET = arg('--epsilon', 8);
const DELTA = 1e-5;
const BATCH = 256;
const CLIP = 1.0;

const info = kernelsInfo();
console.log(`kernels: ${info.backend}, ${info.threads} thread(s), simd ${info.simd}`);
const { test } = await datasets.mnist.load({ dir: join(import.meta.dirname, '..', 'test', 'fixtures', 'mnist') });
const xTrain = sliceRows(test.x, 0, 8000);
const yTrain = sliceRows(test.y, 0, 8000);
const xTest = sliceRows(test.x, 8000, 10000);
const yTest = sliceRows(test.y, 8000, 10000);

function net(seed: number): Model {
  const m = sequential(
    [
      conv2d({ filters: 16, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu', inputShape: [28, 28, 1] }),
      conv2d({ filters: 32, kernelSize: 3, strides: 2, activation: 'relu' }),
      flatten(),
      dense({ units: 32, activation: 'relu' }),
      dense({ units: 10, activation: 'softmax' }),
    ],
    { seed },
  );
  m.compile({ optimizer: sgd({ learningRate: 0.5, momentum: 0.9 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const q = BATCH / 8000;
const steps = EPOCHS * Math.ceil(8000 / BATCH);
const sigma = noiseMultiplierFor(TARGET, q, steps, DELTA);
console.log(`q ${q}, ${steps} steps, noise multiplier ${sigma.toFixed(3)} for ε ${TARGET} at δ ${DELTA}, clip ${CLIP}`);

// 1. Accuracy and whole-training time: the full non-private fit (A) and the full private fit (B), alternated.
const fitPlain = async (): Promise<{ s: number; acc: number }> => {
  const plain = net(1);
  plain.compile({ optimizer: sgd({ learningRate: 0.05, momentum: 0.9 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  await plain.fit(xTrain, yTrain, { epochs: EPOCHS, batchSize: BATCH, seed: 1 });
  return { s: (performance.now() - t0) / 1000, acc: plain.evaluate(xTest, yTest).accuracy! };
};
const fitPrivate = async (): Promise<{ s: number; acc: number; epochs: number; eps: number }> => {
  const priv = net(1);
  const t0 = performance.now();
  const h = await priv.fit(xTrain, yTrain, {
    epochs: EPOCHS,
    batchSize: BATCH,
    seed: 1,
    privacy: { l2NormClip: CLIP, noiseMultiplier: sigma, delta: DELTA },
  });
  const s = (performance.now() - t0) / 1000;
  const eps = h.history.epsilon!;
  return { s, acc: priv.evaluate(xTest, yTest).accuracy!, epochs: eps.length, eps: eps[eps.length - 1]! };
};
const whole = await alternate(ROUNDS, fitPlain, fitPrivate);
whole.a.forEach((p, i) => {
  const d = whole.b[i]!;
  console.log(
    `round ${i + 1}: non-private acc ${p.acc.toFixed(4)} (${p.s.toFixed(1)} s) | DP-SGD acc ${d.acc.toFixed(4)} at ε ${d.eps.toFixed(3)} (${d.s.toFixed(1)} s)`,
  );
});
const accRange = (xs: number[]): string =>
  `${median(xs).toFixed(4)}${Math.min(...xs) === Math.max(...xs) ? '' : ` (min–max ${Math.min(...xs).toFixed(4)}–${Math.max(...xs).toFixed(4)})`}`;
const last = whole.b[whole.b.length - 1]!;
console.log(
  `non-private: test accuracy ${accRange(whole.a.map((p) => p.acc))} after ${EPOCHS} epochs (median ${median(whole.a.map((p) => p.s)).toFixed(0)} s)`,
);
console.log(
  `DP-SGD:      test accuracy ${accRange(whole.b.map((d) => d.acc))} after ${last.epochs} epochs at ε ${last.eps.toFixed(3)} (δ ${DELTA}) (median ${median(whole.b.map((d) => d.s)).toFixed(0)} s)`,
);
console.log(
  `whole-training throughput private/non-private (non-private time / private time): ${ratioLine(
    whole.b.map((d) => d.s),
    whole.a.map((p) => p.s),
  )}`,
);

// 2. Throughput, alternated.
const xs = xTrain;
const ys = yTrain;
const run = async (privacy: boolean): Promise<number> => {
  const m = net(2);
  const t = performance.now();
  await m.fit(xs, ys, {
    epochs: 1,
    batchSize: BATCH,
    seed: 2,
    ...(privacy ? { privacy: { l2NormClip: CLIP, noiseMultiplier: sigma, delta: DELTA } } : {}),
  });
  return 8000 / ((performance.now() - t) / 1000);
};
const r = await alternate(
  ROUNDS,
  () => run(false),
  () => run(true),
);
console.log(sideLine('non-private (A)', r.a, 'samples/s'));
console.log(sideLine('DP-SGD      (B)', r.b, 'samples/s'));
console.log(
  `throughput private/non-private: ${ratioLine(r.a, r.b)}  target ≥ 0.3× ${median(r.b.map((b, i) => b / r.a[i]!)) >= 0.3 ? 'ok' : 'MISS'}`,
);
