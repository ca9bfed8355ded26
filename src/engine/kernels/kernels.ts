/**
 * The compute kernels the engine is built on. Two backends implement this interface: the TypeScript reference
 * (`reference-kernels.ts`, the definition) and native C++ (`native-kernels.ts` over `native/`), which must match
 * the reference within tolerance (test/contract/kernels.test.ts). All tensors are row-major Float32Array;
 * images are NHWC (Keras' layout), conv filters are [kh, kw, inC, outC]. Kernels write into `out` buffers the
 * caller allocates, so the engine controls memory reuse.
 */
export type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh';

/** Geometry of a 2-D convolution or pooling window over an NHWC batch. */
export interface Conv2dGeometry {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outH: number;
  readonly outW: number;
  readonly outC: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  /** Padding added before the first row/column ('same' padding); the far side is implied by outH/outW. */
  readonly padTop: number;
  readonly padLeft: number;
}

export interface Kernels {
  readonly name: 'reference' | 'native';
  /** Threads the backend uses (1 for the reference). */
  readonly threads: number;

  /**
   * C = op(A) · op(B) (+ C when accumulate). op(A) is [m, k], op(B) is [k, n], C is [m, n].
   * transA: A is stored [k, m]; transB: B is stored [n, k].
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    accumulate: boolean,
  ): void;

  /** In place over rows × cols: x[r, c] = act(x[r, c] + bias[c]). `bias` may be null. */
  biasActivation(x: Float32Array, bias: Float32Array | null, rows: number, cols: number, act: Activation): void;

  /** dPre = dY ⊙ act'(y) where y is the activation's output (in place into `dy` is allowed). */
  activationBackward(dy: Float32Array, y: Float32Array, act: Activation, out: Float32Array): void;

  /** Sum of rows: out[c] = Σ_r x[r, c] (bias gradients). */
  sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void;

  /** out[N, outH, outW, outC] = conv(x, w) + bias, then act. */
  conv2dForward(g: Conv2dGeometry, x: Float32Array, w: Float32Array, bias: Float32Array | null, act: Activation, out: Float32Array): void;
  /** dx[N, inH, inW, inC] = ∂L/∂x given dy[N, outH, outW, outC] (already through the activation). */
  conv2dBackwardInput(g: Conv2dGeometry, dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  /** dw[kH, kW, inC, outC] = ∂L/∂w; db[outC] = ∂L/∂bias (db may be null). Overwrites dw/db. */
  conv2dBackwardFilter(g: Conv2dGeometry, x: Float32Array, dy: Float32Array, dw: Float32Array, db: Float32Array | null): void;

  /** Max pooling (no padding); records the flat input index of each max in `argmax` for the backward pass. */
  maxPool2dForward(g: Conv2dGeometry, x: Float32Array, out: Float32Array, argmax: Int32Array): void;
  /** dx = scatter of dy to the argmax positions (dx is zeroed first). */
  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void;
  /** Average pooling (no padding) forward and backward. */
  avgPool2dForward(g: Conv2dGeometry, x: Float32Array, out: Float32Array): void;
  avgPool2dBackward(g: Conv2dGeometry, dy: Float32Array, dx: Float32Array): void;

  /**
   * Adam update in place over a flat parameter (documented in optimizers): m = b1 m + (1-b1) g;
   * v = b2 v + (1-b2) g²; p -= lr_t · m / (√v + eps), with lr_t = lr·√(1-b2^t)/(1-b1^t) precomputed by the caller.
   */
  adamStep(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lrT: number,
    beta1: number,
    beta2: number,
    eps: number,
  ): void;
}
