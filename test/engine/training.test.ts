import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readCsvTable } from '../../src/data/index.js';
import { adam, conv2d, datasets, dense, dropout, flatten, maxPooling2d, sequential } from '../../src/engine/index.js';
import { featureStats, foldStandardization, standardize } from '../../src/engine/standardize.js';
import { sliceRows } from '../../src/engine/tensor.js';
import { FIXTURES } from '../helpers/temp-workspace.js';

describe('real training', () => {
  it('a small CNN trained on 2,000 MNIST images reaches ≥ 0.80 on 1,000 held-out images', async () => {
    const { test } = await datasets.mnist.load({ dir: join(FIXTURES, 'mnist') });
    // Sized to stay quick on the reference kernels (a strided conv; ~7 s of CPU); the full CNN is in bench/train-mnist.ts.
    const model = sequential(
      [
        conv2d({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu', inputShape: [28, 28, 1] }),
        maxPooling2d({ poolSize: 2 }),
        flatten(),
        dense({ units: 10, activation: 'softmax' }),
      ],
      { seed: 1 },
    );
    model.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const h = await model.fit(sliceRows(test.x, 0, 2000), sliceRows(test.y, 0, 2000), { epochs: 2, batchSize: 32, seed: 1 });
    assert.ok(h.history.loss![1]! < h.history.loss![0]!);
    const ev = model.evaluate(sliceRows(test.x, 9000, 10000), sliceRows(test.y, 9000, 10000));
    assert.ok(ev.accuracy! >= 0.8, `test accuracy ${ev.accuracy}`);
  });

  it('a dense network on breast cancer reaches ≥ 0.95 on the last 114 rows; standardization folds into the model', async () => {
    const t = await readCsvTable(join(FIXTURES, 'tabular', 'breast_cancer.csv'));
    const f = t.features.length;
    const x = { shape: [t.rows, f], data: t.x };
    const y = { shape: [t.rows], data: t.y! };
    const train = { x: sliceRows(x, 0, 455), y: sliceRows(y, 0, 455) };
    const stats = featureStats(train.x.data, 455, f);
    const model = sequential(
      [dense({ units: 16, activation: 'relu', inputShape: [f] }), dropout({ rate: 0.3 }), dense({ units: 2, activation: 'softmax' })],
      { seed: 42 },
    );
    model.compile({ optimizer: adam({ learningRate: 0.003 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit({ shape: train.x.shape, data: standardize(train.x.data, stats) }, train.y, { epochs: 30, batchSize: 32, seed: 42 });
    const testX = sliceRows(x, 455, t.rows);
    const scaled = model.predict({ shape: testX.shape, data: standardize(testX.data, stats) });
    foldStandardization(model, stats);
    const raw = model.predict(testX);
    for (let i = 0; i < raw.data.length; i++) assert.ok(Math.abs(raw.data[i]! - scaled.data[i]!) < 1e-3, `row ${i}`);
    const ev = model.evaluate(testX, sliceRows(y, 455, t.rows));
    assert.ok(ev.accuracy! >= 0.95, `test accuracy ${ev.accuracy}`);
  });
});
