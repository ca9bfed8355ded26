import type { Model } from '../engine/index.js';
import { createRng } from '../engine/random.js';
import { SlipwayError } from '../errors/index.js';

/** Outputs of a batch and ∂output[target]/∂input for every row, through the engine's own backward passes. */
export interface InputGradients {
  /** rows × outputs, the model's outputs (probabilities after a softmax or sigmoid). */
  readonly outputs: Float32Array;
  /** rows × features, the gradient of each row's target output with respect to that row's input. */
  readonly gradients: Float32Array;
}

/**
 * Runs `model` in inference mode on `batch` rows and backpropagates a one-hot seed on output `target` to the input
 * (a number, or a function of the outputs):
 * exact gradients from the autograd's layer backward passes (dropout is the identity at inference; batch
 * normalisation, whose training backward assumes batch statistics, is differentiated here with its moving ones).
 */
export function inputGradients(
  model: Model,
  x: Float32Array,
  batch: number,
  target: number | ((outputs: Float32Array, width: number) => number),
): InputGradients & { target: number } {
  const ctx = { kernels: model.kernels, training: false, rng: createRng(1) };
  const layers = model.layers;
  let h = x;
  for (const l of layers) h = l.forward(h, batch, ctx).slice();
  const outputs = h;
  const width = outputs.length / batch;
  // A function picks the target from the forward pass (the predicted class), so no separate pass is needed.
  const t = typeof target === 'number' ? target : target(outputs, width);
  if (!(t >= 0 && t < width))
    throw new SlipwayError('EXPLAIN_INVALID', `target ${t} is outside the model's ${width} outputs; pick 0…${width - 1}`, {});
  let g: Float32Array | null = new Float32Array(outputs.length);
  for (let r = 0; r < batch; r++) g[r * width + t] = 1;
  for (let i = layers.length - 1; i >= 0 && g; i--) {
    const l = layers[i]!;
    if (l.type === 'batchNormalization') {
      const [gamma, , , variance] = l.params;
      const eps = Number(l.config.epsilon ?? 1e-3);
      const c = gamma!.value.length;
      const dx: Float32Array = new Float32Array(g.length);
      for (let k = 0; k < g.length; k++) dx[k] = (g[k]! * gamma!.value[k % c]!) / Math.sqrt(variance!.value[k % c]! + eps);
      g = dx;
    } else g = l.backward(g, batch, ctx, true, false)?.slice() ?? null;
  }
  if (!g) throw new SlipwayError('EXPLAIN_INVALID', 'the model gave no input gradient (a layer without a backward pass)', {});
  return { outputs, gradients: g, target: t };
}
