import { computeLoss, countCorrect, targetWidth } from './losses.js';
import type { Logs, Model } from './model.js';
import type { ModelInternals } from './model-internals.js';
import { sizeOf, sliceRows, type Tensor } from './tensor.js';

/** Mean loss and metrics over `x`/`y` in batches, without training. */
export function evaluateBatches(model: Model, internals: ModelInternals, x: Tensor, y: Tensor, batchSize: number): Logs {
  const c = model.compiled!;
  const n = x.shape[0]!;
  const k = model.outputShape![model.outputShape!.length - 1] ?? 1;
  const rowsPer = sizeOf(model.outputShape!) / k;
  const w = targetWidth(c.loss, k) * rowsPer;
  let loss = 0;
  let correct = 0;
  const bs = Math.max(1, batchSize);
  for (let s = 0; s < n; s += bs) {
    const e = Math.min(n, s + bs);
    const out = internals.forward(sliceRows(x, s, e).data, e - s, false, internals.rng);
    const yt = y.data.subarray(s * w, e * w);
    loss += computeLoss(c.loss, out, yt, (e - s) * rowsPer, k, null) * (e - s);
    if (c.metrics.includes('accuracy')) correct += countCorrect(c.loss, out, yt, (e - s) * rowsPer, k) / rowsPer;
  }
  const logs: Logs = { loss: loss / n };
  if (c.metrics.includes('accuracy')) logs.accuracy = correct / n;
  return logs;
}
