import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { dense, fitInWorker, sequential, sgd, tensor, type Model } from '../../src/engine/index.js';
import { isSlipwayError } from '../../src/errors/index.js';

function data(n: number): { x: ReturnType<typeof tensor>; y: ReturnType<typeof tensor> } {
  const x = new Float32Array(n * 8);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 8; j++) x[i * 8 + j] = Math.sin(i * 7.3 + j * 1.7);
    y[i] = x[i * 8]! - x[i * 8 + 3]! > 0 ? 1 : 0;
  }
  return { x: tensor(x, [n, 8]), y: tensor(y, [n]) };
}

function model(): Model {
  const m = sequential([dense({ units: 32, activation: 'relu', inputShape: [8] }), dense({ units: 2, activation: 'softmax' })], {
    seed: 4,
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe('fitInWorker', () => {
  it('trains off the main thread: timers keep ticking, and the weights equal fit with the same seed', async () => {
    const { x, y } = data(2000);
    const a = model();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    const epochs: number[] = [];
    let ticksAtFirstEpoch = -1;
    const h = await fitInWorker(a, x, y, {
      epochs: 6,
      batchSize: 8,
      seed: 11,
      callbacks: {
        onEpochEnd: (e) => {
          epochs.push(e);
          if (ticksAtFirstEpoch < 0) ticksAtFirstEpoch = ticks;
        },
      },
    });
    clearInterval(timer);
    assert.deepEqual(epochs, [0, 1, 2, 3, 4, 5]);
    // The interval fired while the worker trained (on the main thread a 2-ms timer could not run during a batch loop
    // that never yields; here the loop is in another thread).
    assert.ok(ticks > ticksAtFirstEpoch && ticksAtFirstEpoch > 0, `ticks ${ticksAtFirstEpoch} then ${ticks}`);
    assert.ok(h.history.accuracy![5]! > 0.8, `accuracy ${h.history.accuracy![5]}`);
    const b = model();
    await b.fit(x, y, { epochs: 6, batchSize: 8, seed: 11 });
    assert.deepEqual(a.predict(x).data, b.predict(x).data);
  });

  it('reports training errors with their code', async () => {
    const m = sequential([dense({ units: 1, inputShape: [1] })], { seed: 1 });
    m.compile({ optimizer: sgd({ learningRate: 1e6 }), loss: 'mse' });
    const x = tensor(
      Float32Array.from({ length: 32 }, (_, i) => 1000 + i),
      [32, 1],
    );
    const y = tensor(
      Float32Array.from({ length: 32 }, (_, i) => -1000 - i),
      [32, 1],
    );
    await assert.rejects(fitInWorker(m, x, y, { epochs: 10, batchSize: 4 }), (e) => isSlipwayError(e, 'LOSS_NOT_FINITE'));
  });

  it('stops after the current batch when a callback sets stopTraining', async () => {
    // Many small batches, so the stop message (handled between batches) arrives long before the last epoch.
    const { x, y } = data(1000);
    const m = model();
    const h = await fitInWorker(m, x, y, {
      epochs: 40,
      batchSize: 1,
      callbacks: {
        onEpochEnd: (e) => {
          if (e === 1) m.stopTraining = true;
        },
      },
    });
    // The worker waits for the main thread's answer to each epoch end, so the stop lands right after epoch 1.
    assert.equal(h.epoch.length, 2, `ran ${h.epoch.length} epochs`);
  });

  it('a callback that throws ends training with its error (the worker is stopped, nothing hangs)', async () => {
    const { x, y } = data(200);
    const m = model();
    const boom = new Error('callback failed');
    await assert.rejects(
      fitInWorker(m, x, y, {
        epochs: 5,
        batchSize: 16,
        callbacks: {
          onEpochEnd: () => {
            throw boom;
          },
        },
      }),
      (e) => e === boom,
    );
  });
});
