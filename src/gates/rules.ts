import { SlipwayError } from '../errors/index.js';
import type { GateRuleConfig } from '../config/gates-schema.js';
import type { ModelRuntime } from '../runtime/index.js';
import {
  baselineMetrics,
  CLASS_METRICS,
  evaluate,
  lowerIsBetter,
  metricsOf,
  predictedClasses,
  type Evaluation,
  type Task,
} from './metrics.js';
import { predictAll, predictBatch, type PredictClock, type Predictions } from './predictions.js';
import type { EvalData } from './eval-data.js';
import { formatValue } from './report-markdown.js';
import type { GateResult } from './types.js';
import { createRng } from '../engine/random.js';

/** Everything the rules read: one set of predictions on the evaluation data, shared by every metric rule. */
export interface RuleContext {
  readonly task: Task;
  readonly data: EvalData;
  /** Inputs as fed to the model (scaled; the same as data.x). */
  readonly x: Float32Array;
  readonly rowShape: readonly number[];
  readonly batchSize: number;
  readonly runtime: ModelRuntime;
  readonly preds: Predictions;
  readonly classes: Int32Array | null;
  readonly overall: Evaluation;
  readonly clock: PredictClock;
  /** Bytes of the stored model files. */
  readonly modelBytes: number;
  /** The candidate version's recorded metrics (from its training run), for rules on how it was trained. */
  readonly versionMetrics: Readonly<Record<string, number>>;
  /** alias → the version behind it and its metrics on the same data (null when the alias is unset). */
  readonly compared: ReadonlyMap<string, { version: number; metrics: Readonly<Record<string, number>> } | null>;
}

const EPS = 1e-12;

function unknownMetric(metric: string, task: Task, where: string): SlipwayError {
  return new SlipwayError(
    'GATE_METRIC_UNKNOWN',
    `${where}: metric "${metric}" is not produced by evaluating this ${task.kind} model; use one of ${metricsOf(task).join(', ')}`,
    { metric, task: task.kind },
  );
}

/** The metric a rule reads, if any. */
function ruleMetric(r: GateRuleConfig): string | null {
  if ('metric' in r) return r.metric;
  if ('no_regression' in r) return r.no_regression.metric;
  if ('beat_baseline' in r) return r.beat_baseline.metric;
  if ('slice_floor' in r) return r.slice_floor.metric;
  return null;
}

/** Checks every rule against what the evaluation can produce, before anything is evaluated. */
export function validateRules(rules: readonly GateRuleConfig[], task: Task, data: EvalData, gateSet: string): void {
  rules.forEach((r, i) => {
    const where = `gates.${gateSet}.rules[${i}]`;
    const m = ruleMetric(r);
    if (m !== null && !metricsOf(task).includes(m)) throw unknownMetric(m, task, where);
    if ('class_floor' in r) {
      if (task.kind !== 'classification')
        throw new SlipwayError('GATE_INVALID', `${where}: class_floor needs a classifier; this model is a regressor`, {});
      if (!CLASS_METRICS.includes(r.class_floor.metric))
        throw new SlipwayError(
          'GATE_METRIC_UNKNOWN',
          `${where}: per-class metric "${r.class_floor.metric}" is unknown; use ${CLASS_METRICS.join(', ')}`,
          {
            metric: r.class_floor.metric,
          },
        );
      if (classIndex(task, r.class_floor.class) < 0)
        throw new SlipwayError(
          'GATE_INVALID',
          `${where}: class "${r.class_floor.class}" is not one of the model's classes (${task.labels.join(', ')})`,
          {},
        );
    }
    if ('slice_floor' in r && r.slice_floor.column !== undefined && !(data.columns ?? []).includes(r.slice_floor.column))
      throw new SlipwayError(
        'GATE_INVALID',
        `${where}: slice column "${r.slice_floor.column}" is not in ${data.source} (columns: ${(data.columns ?? []).slice(0, 10).join(', ') || 'none'})`,
        {},
      );
    if ('slice_floor' in r && r.slice_floor.labels && task.kind === 'classification')
      for (const l of r.slice_floor.labels)
        if (classIndex(task, l) < 0)
          throw new SlipwayError('GATE_INVALID', `${where}: slice label "${l}" is not one of ${task.labels.join(', ')}`, {});
    if ('robustness' in r && task.kind !== 'classification')
      throw new SlipwayError('GATE_INVALID', `${where}: robustness measures class flips, so it needs a classifier`, {});
  });
}

function classIndex(task: Task, cls: string): number {
  if (task.kind !== 'classification') return -1;
  const byName = task.labels.indexOf(cls);
  if (byName >= 0) return byName;
  return /^[0-9]+$/.test(cls) && Number(cls) < task.numClasses ? Number(cls) : -1;
}

function compare(metric: string, value: number, bound: number): { passed: boolean; op: string } {
  return lowerIsBetter(metric) ? { passed: value <= bound + EPS, op: '<=' } : { passed: value >= bound - EPS, op: '>=' };
}

/** Evaluates one rule. */
export async function evaluateRule(r: GateRuleConfig, ctx: RuleContext): Promise<GateResult> {
  const m = ctx.overall.metrics;
  if ('metric' in r) {
    const v = m[r.metric]!;
    const okMin = r.min === undefined || v >= r.min - EPS;
    const okMax = r.max === undefined || v <= r.max + EPS;
    const bound = [r.min !== undefined ? `>= ${r.min}` : null, r.max !== undefined ? `<= ${r.max}` : null].filter(Boolean).join(' and ');
    return { gate: 'metric', rule: `${r.metric} ${bound}`, value: v, bound, passed: okMin && okMax };
  }
  if ('no_regression' in r) {
    const { against, metric, max_drop: drop, relative } = r.no_regression;
    const ref = ctx.compared.get(against);
    const rule = `${metric} no worse than ${against} by ${drop}${relative ? ' (relative)' : ''}`;
    if (!ref)
      return { gate: 'no_regression', rule, value: m[metric]!, bound: 'n/a', passed: true, detail: `no version behind ${against} yet` };
    const base = ref.metrics[metric]!;
    const lower = lowerIsBetter(metric);
    const bound = relative ? base * (lower ? 1 + drop : 1 - drop) : lower ? base + drop : base - drop;
    const c = compare(metric, m[metric]!, bound);
    return {
      gate: 'no_regression',
      rule,
      value: m[metric]!,
      bound: `${c.op} ${formatValue(bound)}`,
      passed: c.passed,
      detail: `${against} @${ref.version}: ${formatValue(base)}`,
    };
  }
  if ('class_floor' in r) {
    const { metric, class: cls, min } = r.class_floor;
    const scores = ctx.overall.perClass[classIndex(ctx.task, cls)]!;
    const v = scores[metric as 'precision' | 'recall' | 'f1'];
    return {
      gate: 'class_floor',
      rule: `${metric} of class ${scores.label} >= ${min}`,
      value: v,
      bound: `>= ${min}`,
      passed: v >= min - EPS,
      detail: `support ${scores.support}`,
    };
  }
  if ('slice_floor' in r) return sliceFloor(r.slice_floor, ctx);
  if ('beat_baseline' in r) {
    const { metric, margin } = r.beat_baseline;
    const base = baselineMetrics(ctx.task, ctx.data.y)[metric]!;
    const lower = lowerIsBetter(metric);
    const v = m[metric]!;
    const passed = lower ? v < base - margin : v > base + margin;
    const name = ctx.task.kind === 'classification' ? 'majority class' : 'mean predictor';
    return {
      gate: 'beat_baseline',
      rule: `${metric} beats the ${name}`,
      value: v,
      bound: `${lower ? '<' : '>'} ${formatValue(lower ? base - margin : base + margin)}`,
      passed,
    };
  }
  if ('latency' in r) return latency(r.latency, ctx);
  if ('size' in r) {
    const mb = ctx.modelBytes / 1e6;
    return {
      gate: 'size',
      rule: `model size <= ${r.size.max_mb} MB`,
      value: mb,
      bound: `<= ${r.size.max_mb}`,
      passed: mb <= r.size.max_mb,
    };
  }
  if ('robustness' in r) return robustness(r.robustness, ctx);
  if ('privacy' in r) return privacyBudget(r.privacy.max_epsilon, ctx);
  return determinism(r.determinism.samples, ctx);
}

function sliceFloor(
  s: {
    metric: string;
    min: number;
    column?: string | undefined;
    values?: number[] | undefined;
    range?: [number, number] | undefined;
    labels?: string[] | undefined;
  },
  ctx: RuleContext,
): GateResult {
  const rows: number[] = [];
  const width = ctx.data.columns?.length ?? 0;
  const col = s.column !== undefined ? ctx.data.columns!.indexOf(s.column) : -1;
  const labelSet = s.labels && ctx.task.kind === 'classification' ? new Set(s.labels.map((l) => classIndex(ctx.task, l))) : null;
  for (let i = 0; i < ctx.data.rows; i++) {
    if (labelSet && !labelSet.has(ctx.data.y[i]!)) continue;
    if (col >= 0) {
      const v = ctx.data.raw[i * width + col]!;
      if (s.values && !s.values.some((w) => Math.abs(w - v) < 1e-6)) continue;
      if (s.range && (v < s.range[0] || v > s.range[1])) continue;
    }
    rows.push(i);
  }
  const what = [
    s.labels ? `labels ${s.labels.join(',')}` : null,
    s.column ? `${s.column} ${s.values ? `in {${s.values.join(', ')}}` : `in [${s.range!.join(', ')}]`}` : null,
  ]
    .filter(Boolean)
    .join(' and ');
  const rule = `${s.metric} on slice ${what} >= ${s.min}`;
  if (rows.length === 0)
    return { gate: 'slice_floor', rule, value: null, bound: `>= ${s.min}`, passed: false, detail: 'the slice has no rows' };
  const v = evaluate(ctx.task, ctx.preds, ctx.data.y, ctx.classes, Int32Array.from(rows)).metrics[s.metric]!;
  const c = compare(s.metric, v, s.min);
  return { gate: 'slice_floor', rule, value: v, bound: `${c.op} ${s.min}`, passed: c.passed, detail: `${rows.length} rows` };
}

async function latency(l: { p95_ms: number; batch: number; samples: number }, ctx: RuleContext): Promise<GateResult> {
  const width = ctx.rowShape.reduce((a, b) => a * b, 1);
  const batch = new Float32Array(l.batch * width);
  const times: number[] = [];
  for (let s = -3; s < l.samples; s++) {
    for (let j = 0; j < l.batch; j++) {
      const row = (Math.max(0, s) * l.batch + j) % ctx.data.rows;
      batch.set(ctx.x.subarray(row * width, (row + 1) * width), j * width);
    }
    const before = ctx.clock.ms;
    await predictBatch(ctx.runtime, batch, l.batch, ctx.rowShape, ctx.clock);
    if (s >= 0) times.push(ctx.clock.ms - before);
  }
  times.sort((a, b) => a - b);
  const p95 = times[Math.min(times.length - 1, Math.ceil(0.95 * times.length) - 1)]!;
  return {
    gate: 'latency',
    rule: `p95 latency (batch ${l.batch}) <= ${l.p95_ms} ms`,
    value: p95,
    bound: `<= ${l.p95_ms} ms`,
    passed: p95 <= l.p95_ms,
    detail: `${l.samples} calls`,
  };
}

/** The engine's seeded PRNG (mulberry32), as a plain function. */
const mulberry32 = (seed: number): (() => number) => createRng(seed).next;

async function robustness(
  r: { noise_std: number; max_flip_rate: number; samples?: number | undefined; seed: number },
  ctx: RuleContext,
): Promise<GateResult> {
  const n = Math.min(r.samples ?? 1000, ctx.data.rows);
  const width = ctx.rowShape.reduce((a, b) => a * b, 1);
  // Noise is relative to each feature's spread, so one noise_std means the same thing for pixels and for raw units.
  const mean = new Float64Array(width);
  const sq = new Float64Array(width);
  for (let i = 0; i < ctx.data.rows; i++)
    for (let j = 0; j < width; j++) {
      const v = ctx.x[i * width + j]!;
      mean[j]! += v;
      sq[j]! += v * v;
    }
  const std = Array.from(mean, (s, j) => Math.sqrt(Math.max(0, sq[j]! / ctx.data.rows - (s / ctx.data.rows) ** 2)));
  const rand = mulberry32(r.seed);
  const noisy = new Float32Array(n * width);
  for (let i = 0; i < n * width; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    noisy[i] = ctx.x[i]! + g * r.noise_std * std[i % width]!;
  }
  const p = await predictAll(ctx.runtime, noisy, n, ctx.rowShape, ctx.batchSize, ctx.clock);
  const flipped = predictedClasses(p, ctx.task);
  let flips = 0;
  for (let i = 0; i < n; i++) if (flipped[i] !== ctx.classes![i]) flips++;
  const rate = flips / Math.max(1, n);
  return {
    gate: 'robustness',
    rule: `flip rate under noise σ=${r.noise_std}·std <= ${r.max_flip_rate}`,
    value: rate,
    bound: `<= ${r.max_flip_rate}`,
    passed: rate <= r.max_flip_rate + EPS,
    detail: `${flips} of ${n} flipped`,
  };
}

async function determinism(samples: number, ctx: RuleContext): Promise<GateResult> {
  const n = Math.min(samples, ctx.data.rows);
  const width = ctx.rowShape.reduce((a, b) => a * b, 1);
  const x = ctx.x.slice(0, n * width);
  const a = await predictAll(ctx.runtime, x, n, ctx.rowShape, ctx.batchSize, ctx.clock);
  const b = await predictAll(ctx.runtime, x, n, ctx.rowShape, ctx.batchSize, ctx.clock);
  let diff = 0;
  for (let i = 0; i < a.outputs.length; i++) if (!Object.is(a.outputs[i], b.outputs[i])) diff++;
  const rate = diff / Math.max(1, a.outputs.length);
  return {
    gate: 'determinism',
    rule: 'same input twice gives the same output',
    value: rate,
    bound: '= 0 differing outputs',
    passed: diff === 0,
    detail: `${n} rows`,
  };
}

/** ε ≤ bound from the version's `epsilon` metric; a version trained without DP-SGD records none and fails. */
function privacyBudget(max: number, ctx: RuleContext): GateResult {
  const eps = ctx.versionMetrics.epsilon;
  const rule = `privacy budget ε <= ${max}`;
  if (eps === undefined || !Number.isFinite(eps)) {
    return {
      gate: 'privacy',
      rule,
      value: null,
      bound: `<= ${max}`,
      passed: false,
      detail: 'the version records no finite epsilon metric; train it with fit.privacy (DP-SGD) and register it from that run',
    };
  }
  return { gate: 'privacy', rule, value: eps, bound: `<= ${max}`, passed: eps <= max + EPS };
}
