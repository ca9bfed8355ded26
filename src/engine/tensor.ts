import { SlipwayError } from '../errors/index.js';

/** A dense float32 tensor: row-major data and its shape (batch first for model inputs; NHWC for images). */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Number of elements a shape holds. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Formats a shape the way error messages show it, e.g. `[-1, 28, 28, 1]`. */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Creates a tensor from numbers (flat or nested arrays, or a typed array) and an optional shape; nested arrays
 * give their own shape. Data is copied into a new Float32Array.
 */
export function tensor(values: ArrayLike<number> | readonly unknown[], shape?: readonly number[]): Tensor {
  let flat: Float32Array;
  let inferred: number[];
  if (ArrayBuffer.isView(values) || (Array.isArray(values) && !values.some((v) => Array.isArray(v)))) {
    const arr = values as ArrayLike<number>;
    flat = Float32Array.from(arr as ArrayLike<number>);
    inferred = [flat.length];
  } else {
    inferred = nestedShape(values as readonly unknown[]);
    flat = new Float32Array(sizeOf(inferred));
    let i = 0;
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) for (const e of v) walk(e);
      else flat[i++] = Number(v);
    };
    walk(values);
  }
  const s = shape ? [...shape] : inferred;
  if (s.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new SlipwayError('SHAPE_MISMATCH', `tensor shape ${shapeString(s)} must hold non-negative integers`, { shape: s });
  }
  if (sizeOf(s) !== flat.length) {
    throw new SlipwayError(
      'SHAPE_MISMATCH',
      `tensor shape ${shapeString(s)} holds ${sizeOf(s)} values but ${flat.length} were given; pass data of the shape's size`,
      { shape: s, length: flat.length },
    );
  }
  return { shape: s, data: flat };
}

function nestedShape(v: readonly unknown[]): number[] {
  const shape: number[] = [];
  let cur: unknown = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

/** Throws INPUT_NOT_FINITE when any value is NaN or ±Infinity; `what` names the tensor in the message. */
export function assertFinite(data: Float32Array, what: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) {
      throw new SlipwayError(
        'INPUT_NOT_FINITE',
        `${what} has a non-finite value (${v}) at flat index ${i}; clean or impute missing values before training`,
        { index: i },
      );
    }
  }
}

/** Rows `[start, end)` of a batch-first tensor, as a view (no copy). */
export function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const row = sizeOf(t.shape.slice(1));
  return { shape: [end - start, ...t.shape.slice(1)], data: t.data.subarray(start * row, end * row) };
}

/** Gathers rows by index into a new tensor (shuffled mini-batches). */
export function gatherRows(t: Tensor, idx: ArrayLike<number>, out?: Float32Array): Tensor {
  const row = sizeOf(t.shape.slice(1));
  const data = out && out.length === idx.length * row ? out : new Float32Array(idx.length * row);
  for (let i = 0; i < idx.length; i++) {
    const s = idx[i]! * row;
    data.set(t.data.subarray(s, s + row), i * row);
  }
  return { shape: [idx.length, ...t.shape.slice(1)], data };
}
