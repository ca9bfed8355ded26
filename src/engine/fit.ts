import { SlipwayError } from '../errors/index.js';
import type { Param } from './layers/layer.js';
import { computeLoss, countCorrect, fusesWith, targetWidth } from './losses.js';
import type { CompiledConfig, FitCallbacks, FitOptions, History, Logs, Model } from './model.js';
import { createOptimizer, type Optimizer } from './optimizers.js';
import { createRng, permutation } from './random.js';
import type { ModelInternals } from './model-internals.js';
import { evaluateBatches } from './evaluate-batches.js';
import { sizeOf, sliceRows, type Tensor } from './tensor.js';
import { mergeCallbacks, trackingCallbacks } from './fit-tracking.js';
import { checkPrivacy, createPrivateStep } from './privacy/dp-sgd.js';
import { RdpAccountant } from './privacy/rdp-accountant.js';

/** Optimizer state lives as long as the compile() that configured it, as in Keras. */
const optimizers = new WeakMap<CompiledConfig, Optimizer>();

/** Lets timers and I/O run between batches when training on the main thread. */
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The training loop behind `model.fit`: shuffled mini-batches, fused loss gradients, per-epoch validation. */
export async function fitModel(model: Model, internals: ModelInternals, x: Tensor, y: Tensor, opts: FitOptions): Promise<History> {
  const compiled = model.compiled!;
  internals.checkInputs(x, y, 'training');
  const epochs = opts.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new SlipwayError('MODEL_INVALID', `epochs must be a positive integer, got ${JSON.stringify(opts.epochs)}`, {});
  }
  let trainX = x;
  let trainY = y;
  let val: readonly [Tensor, Tensor] | undefined = opts.validationData;
  const n0 = x.shape[0]!;
  if (!val && opts.validationSplit !== undefined && opts.validationSplit > 0) {
    if (!(opts.validationSplit < 1)) throw new SlipwayError('MODEL_INVALID', 'validationSplit must be in [0, 1)', {});
    const split = Math.floor(n0 * (1 - opts.validationSplit));
    if (split < 1 || split >= n0) {
      throw new SlipwayError('DATA_EMPTY', `validationSplit ${opts.validationSplit} of ${n0} samples leaves an empty split`, {});
    }
    trainX = sliceRows(x, 0, split);
    trainY = sliceRows(y, 0, split);
    val = [sliceRows(x, split, n0), sliceRows(y, split, n0)];
  }
  if (val) internals.checkInputs(val[0], val[1], 'validation');

  const n = trainX.shape[0]!;
  const batchSize = compiled.optimizer.type === 'gd' ? n : Math.max(1, Math.min(n, opts.batchSize ?? 32));
  const rng = createRng(opts.seed ?? internals.rng.seed());
  let optimizer = optimizers.get(compiled);
  if (!optimizer) {
    optimizer = createOptimizer(compiled.optimizer, model.kernels);
    optimizers.set(compiled, optimizer);
  }
  const params: Param[] = model.layers.flatMap((l) => l.params.filter((p) => p.trainable));
  const out = model.outputShape!;
  const k = out[out.length - 1] ?? 1;
  const rowsPer = sizeOf(out) / k;
  const yRow = targetWidth(compiled.loss, k) * rowsPer;
  const xRow = sizeOf(trainX.shape.slice(1));
  const fused = fusesWith(compiled.loss, model.layers[model.layers.length - 1]!.activation);
  const withAcc = compiled.metrics.includes('accuracy');
  const privacy = opts.privacy ? checkPrivacy(model, opts.privacy) : undefined;
  const dp = privacy ? createPrivateStep(model, internals, params, privacy) : undefined;
  // DP-SGD: Poisson sampling at rate q (each example joins a step independently), as many steps per epoch as batches.
  const q = batchSize / n;
  const accountant = privacy ? new RdpAccountant() : undefined;
  const noiseRng = privacy ? createRng(rng.seed()) : undefined;

  const cb: FitCallbacks = mergeCallbacks(
    opts.run ? trackingCallbacks(opts.run, model, { epochs, batchSize, samples: n, seed: opts.seed, privacy }) : {},
    opts.callbacks ?? {},
  );
  const history: History = { epoch: [], history: {} };
  let xb = new Float32Array(batchSize * xRow);
  let yb = new Float32Array(batchSize * yRow);
  let grad = new Float32Array(batchSize * sizeOf(out));
  const order = new Int32Array(n);
  model.stopTraining = false;
  await cb.onTrainBegin?.();
  let last: Logs = {};
  for (let epoch = 0; epoch < epochs && !model.stopTraining; epoch++) {
    await cb.onEpochBegin?.(epoch);
    if (opts.shuffle ?? true) permutation(n, rng, order);
    else for (let i = 0; i < n; i++) order[i] = i;
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let lastYield = performance.now();
    let steps = 0;
    const batches = Math.ceil(n / batchSize);
    for (let b = 0; b < batches && !model.stopTraining; b++) {
      let s = b * batchSize;
      let bs = Math.min(batchSize, n - s);
      if (privacy) {
        if (
          privacy.targetEpsilon !== undefined &&
          accountant!.epsilonAfter(q, privacy.noiseMultiplier, privacy.delta) > privacy.targetEpsilon
        ) {
          model.stopTraining = true;
          break;
        }
        steps++;
        s = 0;
        bs = 0;
        for (let i = 0; i < n; i++) if (rng.next() < q) order[bs++] = i;
        if (bs * xRow > xb.length) {
          xb = new Float32Array(bs * xRow);
          yb = new Float32Array(bs * yRow);
          grad = new Float32Array(bs * sizeOf(out));
        }
        if (bs === 0) {
          dp!.run(grad, 0, fused, noiseRng!, batchSize);
          optimizer.step(params);
          accountant!.step(q, privacy.noiseMultiplier);
          continue;
        }
      }
      for (let i = 0; i < bs; i++) {
        const r = order[s + i]!;
        xb.set(trainX.data.subarray(r * xRow, (r + 1) * xRow), i * xRow);
        yb.set(trainY.data.subarray(r * yRow, (r + 1) * yRow), i * yRow);
      }
      const xv = bs * xRow === xb.length ? xb : xb.subarray(0, bs * xRow);
      const yv = bs * yRow === yb.length ? yb : yb.subarray(0, bs * yRow);
      const g = bs * sizeOf(out) === grad.length ? grad : grad.subarray(0, bs * sizeOf(out));
      const pred = internals.forward(xv, bs, true, rng);
      const loss = computeLoss(compiled.loss, pred, yv, bs * rowsPer, k, g, fused);
      if (!Number.isFinite(loss)) {
        throw new SlipwayError(
          'LOSS_NOT_FINITE',
          `the loss became ${loss} at epoch ${epoch + 1}, batch ${b + 1}; lower the learning rate, scale the inputs, or check the data for extreme values`,
          { epoch: epoch + 1, batch: b + 1 },
        );
      }
      if (withAcc) correct += countCorrect(compiled.loss, pred, yv, bs * rowsPer, k) / rowsPer;
      if (dp) {
        dp.run(g, bs, fused, noiseRng!, batchSize);
        accountant!.step(q, privacy!.noiseMultiplier);
      } else internals.backward(g, bs, fused);
      optimizer.step(params);
      lossSum += loss * bs;
      seen += bs;
      if (cb.onBatchEnd) {
        const logs: Logs = { loss: lossSum / seen, size: bs };
        if (withAcc) logs.accuracy = correct / seen;
        await cb.onBatchEnd(b, logs);
      }
      if (performance.now() - lastYield > 20) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    // The privacy budget ran out before this epoch took a step: nothing to report for it.
    if (privacy && steps === 0) break;
    const logs: Logs = { loss: lossSum / Math.max(1, seen) };
    if (withAcc) logs.accuracy = correct / Math.max(1, seen);
    if (privacy) logs.epsilon = accountant!.epsilon(privacy.delta);
    if (val) {
      const v = evaluateBatches(model, internals, val[0], val[1], 256);
      for (const [key, value] of Object.entries(v)) logs[`val_${key}`] = value;
    }
    history.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (history.history[key] ??= []).push(value);
    if (opts.verbose) {
      const parts = Object.entries(logs).map(([key, value]) => `${key}: ${value.toFixed(4)}`);
      process.stderr.write(`Epoch ${epoch + 1}/${epochs} - ${parts.join(' - ')}\n`);
    }
    await cb.onEpochEnd?.(epoch, logs);
    last = logs;
  }
  await cb.onTrainEnd?.(last);
  return history;
}
