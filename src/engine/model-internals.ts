import type { Rng } from './random.js';
import type { Tensor } from './tensor.js';

/** The model internals `fit` drives; not part of the public API. */
export interface ModelInternals {
  readonly rng: Rng;
  forward(x: Float32Array, batch: number, training: boolean, rng: Rng): Float32Array;
  /** Backpropagates ∂L/∂output (or ∂L/∂pre-activation when `fused`) through the tape the last training forward recorded. */
  backward(grad: Float32Array, batch: number, fused: boolean): void;
  checkInputs(x: Tensor, y: Tensor | null, what: string): void;
}
