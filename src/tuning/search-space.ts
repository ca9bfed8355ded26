import type { SweepParam } from '../config/index.js';
import type { Rng } from '../engine/index.js';
import { SlipwayError } from '../errors/index.js';

/** A param value a trial runs with. */
export type ParamValue = number | string | boolean;

/** A param's space in the form the samplers use: a categorical choice, or a numeric range sampled in `internal` space. */
export type Dimension =
  | { readonly kind: 'choice'; readonly key: string; readonly values: readonly ParamValue[] }
  | {
      readonly kind: 'range';
      readonly key: string;
      /** Bounds in internal space (log for log-uniform; widened by ½ for integers so each integer gets equal mass). */
      readonly low: number;
      readonly high: number;
      readonly log: boolean;
      /** Rounding step in external space (1 for integers, q for q_uniform), or 0 for continuous. */
      readonly step: number;
    };

/** The search space, parsed once from the sweep config. Keys keep the config's order. */
export function parseSpace(parameters: Readonly<Record<string, SweepParam>>): Dimension[] {
  const dims: Dimension[] = [];
  for (const [key, p] of Object.entries(parameters)) {
    if ('value' in p) dims.push({ kind: 'choice', key, values: [p.value] });
    else if ('values' in p) dims.push({ kind: 'choice', key, values: p.values });
    else if (p.distribution === 'log_uniform_values')
      dims.push({ kind: 'range', key, low: Math.log(p.min), high: Math.log(p.max), log: true, step: 0 });
    else if (p.distribution === 'int_uniform') {
      if (!Number.isInteger(p.min) || !Number.isInteger(p.max))
        throw new SlipwayError('CONFIG_INVALID', `sweep parameter ${key}: int_uniform needs integer min and max (got ${p.min}, ${p.max})`);
      dims.push({ kind: 'range', key, low: p.min - 0.5, high: p.max + 0.5, log: false, step: 1 });
    } else dims.push({ kind: 'range', key, low: p.min, high: p.max, log: false, step: p.distribution === 'q_uniform' ? p.q! : 0 });
  }
  if (dims.length === 0) throw new SlipwayError('CONFIG_INVALID', 'a sweep needs at least one entry under parameters:');
  return dims;
}

/** Maps an internal-space number to the value a trial gets (exp for log, rounding to the step, clamped to the bounds). */
export function toExternal(d: Extract<Dimension, { kind: 'range' }>, x: number): number {
  const clamped = Math.min(d.high, Math.max(d.low, x));
  if (d.log) return Math.exp(clamped);
  if (d.step === 1) return Math.min(Math.round(d.high - 0.5), Math.max(Math.round(d.low + 0.5), Math.round(clamped)));
  if (d.step > 0) return Math.round(clamped / d.step) * d.step;
  return clamped;
}

/** The inverse of toExternal, for modelling observed values. */
export function toInternal(d: Extract<Dimension, { kind: 'range' }>, v: number): number {
  return d.log ? Math.log(v) : v;
}

/** A uniform draw from a dimension. */
export function sampleUniform(d: Dimension, rng: Rng): ParamValue {
  if (d.kind === 'choice') return d.values[Math.floor(rng.next() * d.values.length)]!;
  return toExternal(d, rng.uniform(d.low, d.high));
}

/** Every point of a grid over choice dimensions (ranges have no grid: the config must list `values`). */
export function gridPoints(dims: readonly Dimension[]): Record<string, ParamValue>[] {
  let points: Record<string, ParamValue>[] = [{}];
  for (const d of dims) {
    if (d.kind !== 'choice')
      throw new SlipwayError(
        'CONFIG_INVALID',
        `method grid needs \`values:\` for every parameter; ${d.key} has a distribution (use random or tpe)`,
      );
    points = points.flatMap((p) => d.values.map((v) => ({ ...p, [d.key]: v })));
  }
  return points;
}
