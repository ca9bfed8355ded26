import { z } from 'zod';

const num = z.number().finite();
const metricName = z.string().min(1);

/** An absolute threshold on an evaluation metric: `{ metric: accuracy, min: 0.97 }` or `{ metric: loss, max: 0.1 }`. */
const metricRule = z
  .object({ metric: metricName, min: num.optional(), max: num.optional() })
  .strict()
  .refine((r) => r.min !== undefined || r.max !== undefined, { message: 'a metric rule needs min or max' });

/** No regression against the version behind an alias, on the same data in the same run. */
const noRegressionRule = z
  .object({
    no_regression: z
      .object({
        against: z.string().min(1).default('production'),
        metric: metricName,
        max_drop: num.min(0).default(0),
        relative: z.boolean().default(false),
      })
      .strict(),
  })
  .strict();

/** A per-class floor: `{ metric: recall, class: "malignant", min: 0.95 }`. */
const classFloorRule = z
  .object({ class_floor: z.object({ metric: metricName, class: z.union([z.string(), z.number()]).transform(String), min: num }).strict() })
  .strict();

/** A per-slice floor: rows selected by a feature column (values or a range) or by a set of true labels. */
const sliceFloorRule = z
  .object({
    slice_floor: z
      .object({
        metric: metricName,
        min: num,
        column: z.string().optional(),
        values: z.array(num).optional(),
        range: z.tuple([num, num]).optional(),
        labels: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
      })
      .strict()
      .refine((s) => s.labels !== undefined || (s.column !== undefined && (s.values !== undefined || s.range !== undefined)), {
        message: 'a slice needs labels, or a column with values or a range',
      }),
  })
  .strict();

/** Beat a trivial baseline (majority class, or the mean for regression) on a metric by at least `margin`. */
const beatBaselineRule = z.object({ beat_baseline: z.object({ metric: metricName, margin: num.min(0).default(0) }).strict() }).strict();

/** p95 latency budget of single predictions of `batch` rows, measured on the packaged model. */
const latencyRule = z
  .object({
    latency: z
      .object({ p95_ms: num.positive(), batch: z.number().int().positive().default(1), samples: z.number().int().positive().default(200) })
      .strict(),
  })
  .strict();

/** Size budget of the stored model files. */
const sizeRule = z.object({ size: z.object({ max_mb: num.positive() }).strict() }).strict();

/** The version's recorded differential-privacy budget (metric `epsilon`, logged by DP-SGD training) is at most `max_epsilon`. */
const privacyRule = z.object({ privacy: z.object({ max_epsilon: num.positive() }).strict() }).strict();

/** Flip rate of predicted classes under Gaussian noise of `noise_std` × each feature's standard deviation. */
const robustnessRule = z
  .object({
    robustness: z
      .object({
        noise_std: num.positive(),
        max_flip_rate: num.min(0).max(1),
        samples: z.number().int().positive().optional(),
        seed: z.number().int().default(1),
      })
      .strict(),
  })
  .strict();

/** The same input twice gives bit-identical output. */
const determinismRule = z
  .object({
    determinism: z
      .object({ samples: z.number().int().positive().default(100) })
      .strict()
      .default({ samples: 100 }),
  })
  .strict();

/** One gate rule (a sketch in the issue; each kind is one object key). */
export const gateRuleSchema = z.union([
  metricRule,
  noRegressionRule,
  classFloorRule,
  sliceFloorRule,
  beatBaselineRule,
  latencyRule,
  sizeRule,
  robustnessRule,
  determinismRule,
  privacyRule,
]);

/** The gates of one model: where to evaluate, and the rules. */
export const gateSetSchema = z
  .object({
    /** `name@N` / `name@latest` dataset version, or a path (relative to the workspace) to an IDX folder or CSV file. */
    dataset: z.string().min(1),
    /** The label column of a CSV (default `target`). */
    target: z.union([z.string(), z.number()]).optional(),
    /** Multiplies inputs before prediction (default 1/255 for uint8 IDX images, 1 otherwise). */
    scale: num.optional(),
    /** Rows per prediction call during evaluation. */
    batch_size: z.number().int().positive().default(256),
    rules: z.array(gateRuleSchema).min(1),
  })
  .strict();

/** Gates section (owned by gates/): model name → its gate set. */
export const gatesSchema = z.record(z.string(), gateSetSchema);

export type GateRuleConfig = z.output<typeof gateRuleSchema>;
export type GateSetConfig = z.output<typeof gateSetSchema>;
export type GatesConfig = z.output<typeof gatesSchema>;
