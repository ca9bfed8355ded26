import type { DType, Signature, TensorSpec } from '../engine/signature.js';
import { SlipwayError } from '../errors/index.js';
import { NumericArray } from './bounded-json.js';
import type { TensorData } from '../runtime/index.js';

type Typed = TensorData['data'];

const INT_RANGE: Partial<Record<DType, [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT8: [0, 255],
};

/** The element types a request may carry (BYTES is not servable by the runtimes). */
export const NUMERIC_DTYPES: readonly DType[] = ['FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'BOOL'];

/** Allocates the typed array that holds `dtype` elements. */
export function allocTyped(dtype: DType, n: number): Typed {
  switch (dtype) {
    case 'FP32':
      return new Float32Array(n);
    case 'FP64':
      return new Float64Array(n);
    case 'INT8':
      return new Int8Array(n);
    case 'INT16':
      return new Int16Array(n);
    case 'INT32':
      return new Int32Array(n);
    case 'INT64':
      return new BigInt64Array(n);
    case 'UINT8':
    case 'BOOL':
      return new Uint8Array(n);
    default:
      throw new SlipwayError('INPUT_INVALID', `dtype ${dtype} cannot be served; use a numeric type.`);
  }
}

/** Builds a typed tensor from plain numbers, checking each value fits `dtype` (finite, integral, in range). */
export function typedFromNumbers(values: ArrayLike<unknown>, dtype: DType, where: string): Typed {
  if (values instanceof Float64Array && (dtype === 'FP32' || dtype === 'FP64')) return floatsFrom(values, dtype, where);
  const n = values.length;
  const out = allocTyped(dtype, n);
  const range = INT_RANGE[dtype];
  for (let i = 0; i < n; i++) {
    let v = values[i];
    if (dtype === 'BOOL') {
      if (typeof v === 'boolean') v = v ? 1 : 0;
      else if (v !== 0 && v !== 1) throw new SlipwayError('INPUT_INVALID', `${where}: element ${i} is ${short(v)}, expected a boolean.`);
    } else if (typeof v === 'bigint') {
      v = Number(v);
    }
    if (typeof v !== 'number')
      throw new SlipwayError('INPUT_INVALID', `${where}: element ${i} is ${short(v)}, expected a number (${dtype}).`);
    if (!Number.isFinite(v)) throw new SlipwayError('INPUT_INVALID', `${where}: element ${i} is ${v}; NaN and Infinity are not accepted.`);
    if (range) {
      if (!Number.isInteger(v) || v < range[0] || v > range[1])
        throw new SlipwayError('INPUT_INVALID', `${where}: element ${i} is ${v}, not a ${dtype} integer in [${range[0]}, ${range[1]}].`);
    }
    if (out instanceof BigInt64Array) out[i] = BigInt(v);
    else out[i] = v;
  }
  return out;
}

/** Parsed numbers into a float tensor: only finiteness needs checking (a JSON number like 1e999 parses as Infinity). */
function floatsFrom(values: Float64Array, dtype: 'FP32' | 'FP64', where: string): Typed {
  const out = dtype === 'FP32' ? new Float32Array(values) : Float64Array.from(values);
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i]!))
      throw new SlipwayError('INPUT_INVALID', `${where}: element ${i} is ${values[i]}; NaN and Infinity are not accepted.`);
  return out;
}

function short(v: unknown): string {
  const s = v === undefined ? 'undefined' : (JSON.stringify(v) ?? String(v));
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Flattens a (possibly nested) JSON array, checking it is rectangular; returns the shape and the leaves. */
export function flattenNested(value: unknown, where: string): { shape: number[]; values: ArrayLike<unknown> } {
  if (value instanceof NumericArray) {
    if (value.shape.length > 16)
      throw new SlipwayError('INPUT_INVALID', `${where}: arrays nested more than 16 deep; no model here takes such a tensor.`);
    return { shape: [...value.shape], values: value.data };
  }
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    if (shape.length >= 16)
      throw new SlipwayError('INPUT_INVALID', `${where}: arrays nested more than 16 deep; no model here takes such a tensor.`);
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  if (probe instanceof NumericArray) shape.push(...probe.shape);
  const values: unknown[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (v instanceof NumericArray) {
      // A packed sub-array inside a plain list (the list was ragged or mixed elsewhere).
      if (v.shape.length !== shape.length - depth || v.shape.some((d, k) => d !== shape[depth + k]))
        throw new SlipwayError('INPUT_INVALID', `${where}: ragged array; every list at depth ${depth} must have ${shape[depth]} elements.`);
      for (let k = 0; k < v.data.length; k++) values.push(v.data[k]);
      return;
    }
    if (depth === shape.length) {
      if (Array.isArray(v))
        throw new SlipwayError('INPUT_INVALID', `${where}: ragged array (nested deeper than shape [${shape.join(', ')}]).`);
      values.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new SlipwayError('INPUT_INVALID', `${where}: ragged array; every list at depth ${depth} must have ${shape[depth]} elements.`);
    }
    for (const x of v) walk(x, depth + 1);
  };
  walk(value, 0);
  return { shape, values };
}

/** Checks `shape` (batch dimension first) against the signature spec; -1 matches any size. */
export function checkShape(shape: readonly number[], spec: TensorSpec, where: string): void {
  const ok = shape.length === spec.shape.length && spec.shape.every((d, i) => d < 0 || d === shape[i]);
  if (!ok)
    throw new SlipwayError(
      'INPUT_INVALID',
      `${where}: shape [${shape.join(', ')}] does not match the signature's [${spec.shape.map((d) => (d < 0 ? -1 : d)).join(', ')}] for input "${spec.name}" (-1 = any).`,
    );
}

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/**
 * Decodes TF Serving's row format (`instances`) for one input: each instance is one example, either nested to the
 * example shape or, leniently, flat with the example's element count (as many clients send images).
 */
export function decodeInstances(
  instances: readonly unknown[] | NumericArray,
  spec: TensorSpec,
  pick: (inst: unknown, i: number) => unknown,
): TensorData {
  const example = spec.shape.slice(1);
  const known = example.every((d) => d >= 0);
  const perExample = known ? prod(example) : -1;
  if (instances instanceof NumericArray) return decodePackedInstances(instances, spec, example, perExample);
  const all: unknown[] = [];
  let exShape: number[] | null = null;
  instances.forEach((inst, i) => {
    const where = `instances[${i}]${pick === identity ? '' : `.${spec.name}`}`;
    const { shape, values } = flattenNested(pick(inst, i), where);
    let s = shape;
    if (shape.length === 1 && known && example.length > 1 && values.length === perExample) s = [...example];
    if (!(s.length === example.length && example.every((d, k) => d < 0 || d === s[k]))) {
      throw new SlipwayError(
        'INPUT_INVALID',
        `${where}: shape [${s.join(', ')}] does not match the [${example.join(', ')}] that input "${spec.name}" takes per instance (-1 = any).`,
      );
    }
    if (exShape && exShape.join(',') !== s.join(','))
      throw new SlipwayError('INPUT_INVALID', `${where}: shape [${s.join(', ')}] differs from instances[0]'s [${exShape.join(', ')}].`);
    exShape = s;
    for (let k = 0; k < values.length; k++) all.push(values[k]);
  });
  const shape = [instances.length, ...(exShape ?? example.map((d) => Math.max(d, 0)))];
  return { dtype: spec.dtype, shape, data: typedFromNumbers(all, spec.dtype, `input "${spec.name}"`) };
}

/** All instances of a single-input request parsed as one rectangular numeric array: no per-instance walk. */
function decodePackedInstances(instances: NumericArray, spec: TensorSpec, example: readonly number[], perExample: number): TensorData {
  const rows = instances.shape[0]!;
  let s = instances.shape.slice(1);
  if (s.length === 1 && perExample >= 0 && example.length > 1 && s[0] === perExample) s = [...example];
  if (!(s.length === example.length && example.every((d, k) => d < 0 || d === s[k]))) {
    throw new SlipwayError(
      'INPUT_INVALID',
      `instances[0]: shape [${s.join(', ')}] does not match the [${example.join(', ')}] that input "${spec.name}" takes per instance (-1 = any).`,
    );
  }
  return { dtype: spec.dtype, shape: [rows, ...s], data: typedFromNumbers(instances.data, spec.dtype, `input "${spec.name}"`) };
}

/** Identity picker for single-input row format. */
export const identity = (inst: unknown): unknown => inst;

/** Decodes a columnar (`inputs`) value for one input: a nested array whose first dimension is the batch. */
export function decodeColumn(value: unknown, spec: TensorSpec, where: string): TensorData {
  const { shape, values } = flattenNested(value, where);
  let s = shape;
  const example = spec.shape.slice(1);
  if (shape.length === 2 && example.length > 1 && example.every((d) => d >= 0) && shape[1] === prod(example)) s = [shape[0]!, ...example];
  checkShape(s, spec, where);
  return { dtype: spec.dtype, shape: s, data: typedFromNumbers(values, spec.dtype, where) };
}

/** Plain numbers out of a typed tensor (int64 as numbers; they are within the safe range for model outputs). */
export function toNumbers(data: Typed): number[] {
  if (data instanceof BigInt64Array) return Array.from(data, (v) => Number(v));
  return Array.from(data as ArrayLike<number>);
}

/** Nested arrays for one tensor (or the slice of rows [from, to) along the first dimension). */
export function toNested(t: TensorData, from = 0, to = t.shape[0] ?? 1): unknown {
  const inner = t.shape.slice(1);
  const per = prod(inner);
  const rows: unknown[] = [];
  const nums = t.data instanceof BigInt64Array ? null : (t.data as ArrayLike<number>);
  for (let r = from; r < to; r++) {
    const start = r * per;
    const flat = nums
      ? (Array.prototype.slice.call(nums, start, start + per) as number[])
      : toNumbers(t.data.subarray(start, start + per) as Typed);
    rows.push(inner.length === 0 ? flat[0] : nest(flat, inner));
  }
  return rows;
}

function nest(flat: number[], shape: readonly number[]): unknown {
  if (shape.length <= 1) return flat;
  const per = prod(shape.slice(1));
  const out: unknown[] = [];
  for (let i = 0; i < shape[0]!; i++) out.push(nest(flat.slice(i * per, (i + 1) * per), shape.slice(1)));
  return out;
}

/** Checks every signature input is present and no unknown input is given. */
export function checkInputNames(names: readonly string[], sig: Signature, where: string): void {
  const known = new Set(sig.inputs.map((t) => t.name));
  for (const n of names)
    if (!known.has(n)) throw new SlipwayError('INPUT_INVALID', `${where}: unknown input "${n}"; the model takes ${[...known].join(', ')}.`);
  for (const t of sig.inputs)
    if (!names.includes(t.name)) throw new SlipwayError('INPUT_MISSING', `${where}: input "${t.name}" is missing.`);
}
