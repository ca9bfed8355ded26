/** ∂L/∂output → ∂L/∂input of one recorded op (null when nothing upstream needs it). */
export type BackwardFn = (dy: Float32Array) => Float32Array | null;

/**
 * Reverse-mode autodiff over a chain: each op run while recording registers its backward closure (which reads the
 * activations the op cached); `backward` runs them last to first, feeding each one's input gradient to the next.
 * A sequential model is a chain, so a list is the whole graph, and the ops are layers: their backward passes
 * call the fused kernels directly, which is what keeps training fast.
 */
export interface Tape {
  /** Registers the backward of the op just run. */
  record(fn: BackwardFn): void;
  /** Runs the recorded backward closures in reverse from ∂L/∂(last output), then clears the tape (unless `keep`). */
  backward(seed: Float32Array, keep?: boolean): void;
  readonly size: number;
  clear(): void;
}

/** Creates an empty tape. */
export function createTape(): Tape {
  let ops: BackwardFn[] = [];
  return {
    record: (fn) => void ops.push(fn),
    backward(seed, keep = false) {
      let g: Float32Array | null = seed;
      for (let i = ops.length - 1; i >= 0 && g; i--) g = ops[i]!(g);
      if (!keep) ops = [];
    },
    get size() {
      return ops.length;
    },
    clear() {
      ops = [];
    },
  };
}
