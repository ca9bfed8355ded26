import type { PerExampleSink } from './layers/layer.js';
import type { Rng } from './random.js';
import type { Tensor } from './tensor.js';

/** The model internals `fit` drives; not part of the public API. */
export interface ModelInternals {
  readonly rng: Rng;
  forward(x: Float32Array, batch: number, training: boolean, rng: Rng): Float32Array;
  /** Backpropagates ∂L/∂output (or ∂L/∂pre-activation when `fused`) through the tape the last training forward recorded. */
  backward(grad: Float32Array, batch: number, fused: boolean): void;
  /** DP-SGD's norm pass: backpropagates like `backward` but hands weighted layers' per-example parts to `sink` and keeps the tape. */
  backwardPerExample(grad: Float32Array, batch: number, fused: boolean, sink: PerExampleSink): void;
  checkInputs(x: Tensor, y: Tensor | null, what: string): void;
}
