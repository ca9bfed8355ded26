import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateDigits, writeDigitsIdx } from '../../src/data/datasets/synthetic-digits.js';
import { readIdx } from '../../src/data/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

type Split = { images: Float32Array; labels: Int32Array; count: number };

function centroids(d: Split, pixels: number): Float64Array {
  const c = new Float64Array(10 * pixels);
  const n = new Array<number>(10).fill(0);
  for (let i = 0; i < d.count; i++) {
    const l = d.labels[i]!;
    n[l]!++;
    for (let j = 0; j < pixels; j++) c[l * pixels + j]! += d.images[i * pixels + j]!;
  }
  for (let l = 0; l < 10; l++) for (let j = 0; j < pixels; j++) c[l * pixels + j]! /= n[l]!;
  return c;
}

function nearestCentroidAccuracy(c: Float64Array, d: Split, pixels: number): number {
  let ok = 0;
  for (let i = 0; i < d.count; i++) {
    let best = -1;
    let bestDist = Infinity;
    for (let l = 0; l < 10; l++) {
      let s = 0;
      for (let j = 0; j < pixels; j++) {
        const e = d.images[i * pixels + j]! - c[l * pixels + j]!;
        s += e * e;
      }
      if (s < bestDist) [bestDist, best] = [s, l];
    }
    if (best === d.labels[i]) ok++;
  }
  return ok / d.count;
}

test('shapes, value range and balanced labels', () => {
  const d = generateDigits({ count: 95, seed: 7 });
  assert.equal(d.count, 95);
  assert.deepEqual(d.imageShape, [28, 28, 1]);
  assert.equal(d.images.length, 95 * 784);
  assert.equal(d.pixels.length, 95 * 784);
  assert.equal(d.labels.length, 95);
  const counts = new Array<number>(10).fill(0);
  for (const l of d.labels) counts[l]!++;
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `balanced: ${counts}`);
  assert.ok(d.images.every((v) => v >= 0 && v <= 1));
  // Every image has ink, and ink covers a digit-like fraction of the frame (MNIST: ~19% of pixels > 0.1).
  for (let n = 0; n < d.count; n++) {
    const img = d.images.subarray(n * 784, (n + 1) * 784);
    const ink = img.filter((v) => v > 0.5).length / 784;
    assert.ok(ink > 0.03 && ink < 0.45, `image ${n} (label ${d.labels[n]}) has ink ${ink}`);
  }
  const small = generateDigits({ count: 10, seed: 1, size: 16 });
  assert.equal(small.images.length, 10 * 256);
  assert.deepEqual(small.imageShape, [16, 16, 1]);
});

test('deterministic for a seed, different for another', () => {
  const a = generateDigits({ count: 40, seed: 123 });
  const b = generateDigits({ count: 40, seed: 123 });
  const c = generateDigits({ count: 40, seed: 124 });
  assert.deepEqual(a.pixels, b.pixels);
  assert.deepEqual(a.labels, b.labels);
  assert.notDeepEqual(a.pixels, c.pixels);
});

test('learnable but not trivial: nearest-centroid trained on one seed scores well above chance on another', () => {
  const train = generateDigits({ count: 2000, seed: 1 });
  const test = generateDigits({ count: 500, seed: 2 });
  const acc = nearestCentroidAccuracy(centroids(train, 784), test, 784);
  // MNIST gives ~0.85 with this classifier; chance is 0.1.
  assert.ok(acc > 0.5, `nearest-centroid accuracy ${acc}`);
  assert.ok(acc < 0.99, `nearest-centroid accuracy ${acc} is too high: the jitter does not make the task hard enough`);
});

test('writeDigitsIdx writes MNIST-style raw IDX files that readIdx reads back', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = writeDigitsIdx(dir, { trainCount: 50, testCount: 20, seed: 5 });
    assert.deepEqual(
      readdirSync(dir).sort(),
      ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte'].sort(),
    );
    assert.equal(files.length, 4);
    const images = await readIdx(join(dir, 'train-images-idx3-ubyte'));
    const labels = await readIdx(join(dir, 'train-labels-idx1-ubyte'));
    assert.deepEqual(images.shape, [50, 28, 28]);
    assert.equal(images.dtype, 'uint8');
    assert.deepEqual(labels.shape, [50]);
    const same = generateDigits({ count: 50, seed: 5 });
    assert.deepEqual(images.data, same.pixels);
    assert.deepEqual([...labels.data], [...same.labels]);
    const test = await readIdx(join(dir, 't10k-images-idx3-ubyte'));
    assert.deepEqual(test.shape, [20, 28, 28]);
    assert.notDeepEqual(test.data, same.pixels.subarray(0, 20 * 784), 'test split is not a copy of train');
  } finally {
    cleanup();
  }
});

test('bad options fail with USAGE', () => {
  assert.throws(
    () => generateDigits({ count: 0, seed: 1 }),
    (e) => isSlipwayError(e, 'USAGE'),
  );
  assert.throws(
    () => generateDigits({ count: 1.5, seed: 1 }),
    (e) => isSlipwayError(e, 'USAGE'),
  );
  assert.throws(
    () => generateDigits({ count: 5, seed: 1, size: 4 }),
    (e) => isSlipwayError(e, 'USAGE'),
  );
});
