import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();

/**
 * Serving section (owned by serving/): what `slipway serve` does when flags are not given.
 * ```yaml
 * serving:
 *   models: [mnist, "mnist:staging"]   # registry references (default alias production)
 *   rest_port: 8501
 *   grpc_port: 8500
 *   host: 127.0.0.1
 *   body_limit: 16777216               # bytes; larger requests get 413
 *   batching: { max_batch_size: 32, max_queue_delay_ms: 2 }   # off unless given
 *   poll_interval_ms: 1000             # how often aliases are re-read for hot swap
 *   timeouts: { connection_ms: 30000, request_ms: 30000, headers_ms: 10000, keep_alive_ms: 5000 }
 *   auth: { predict: optional }        # `required`: predict needs a token too (feedback, monitoring, /metrics always do once auth is on)
 *   cors_origins: []                   # browser origins allowed to call the server (off by default)
 *   require_signature: false           # true: refuse versions without a valid `slipway models sign` signature
 *   signature_keys: [keys/release.pub] # public keys (PEM, relative to the workspace) trusted by require_signature
 * ```
 */
export const servingSchema = z
  .object({
    models: z.array(z.string().min(1)).optional(),
    rest_port: port.default(8501),
    grpc_port: port.nullable().default(8500),
    host: z.string().min(1).default('127.0.0.1'),
    body_limit: positiveInt.default(16 * 1024 * 1024),
    batching: z
      .object({ max_batch_size: positiveInt.max(4096).default(32), max_queue_delay_ms: z.number().min(0).max(1000).default(2) })
      .strict()
      .optional(),
    poll_interval_ms: z.number().int().min(0).default(1000),
    auth: z
      .object({ predict: z.enum(['optional', 'required']).default('optional') })
      .strict()
      .default({ predict: 'optional' }),
    cors_origins: z.array(z.string().min(1)).default([]),
    require_signature: z.boolean().default(false),
    signature_keys: z.array(z.string().min(1)).default([]),
    timeouts: z
      .object({
        connection_ms: positiveInt.optional(),
        request_ms: positiveInt.optional(),
        headers_ms: positiveInt.optional(),
        keep_alive_ms: positiveInt.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const duration = z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration such as 15m, 1h or 7d');

/** Metrics an alert rule can bound (from `slipway monitor`'s report). */
export const ALERT_METRICS = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'error_rate',
  'server_error_rate',
  'request_rate',
  'requests',
  'latency_p50_ms',
  'latency_p95_ms',
  'latency_p99_ms',
  'latency_mean_ms',
] as const;

const alertRuleSchema = z.union([
  z
    .object({
      name: z.string().min(1),
      metric: z.enum(ALERT_METRICS),
      min: z.number().optional(),
      max: z.number().optional(),
      min_labelled: z.number().int().min(0).optional(),
    })
    .strict()
    .refine((r) => r.min !== undefined || r.max !== undefined, 'give min, max or both'),
  z
    .object({
      name: z.string().min(1),
      drift: z.enum(['prediction', 'features']),
      psi_max: z.number().min(0).optional(),
      p_min: z.number().gt(0).lt(1).optional(),
    })
    .strict()
    .refine((r) => r.psi_max !== undefined || r.p_min !== undefined, 'give psi_max, p_min or both'),
  // Live inputs against the served version's training data, decided as Evidently's DataDriftPreset (slipway drift).
  z
    .object({
      name: z.string().min(1),
      drift: z.literal('dataset'),
      method: z.string().min(1).optional(),
      threshold: z.number().min(0).optional(),
      share: z.number().gt(0).max(1).default(0.5),
    })
    .strict(),
]);

/**
 * Monitoring section (owned by monitoring/): the prediction log and report defaults.
 * ```yaml
 * monitoring:
 *   sample_rate: 0.1        # fraction of requests logged
 *   redact: [ssn, email]    # input/output names stored masked; or per field: { ssn: drop, email: hash, card: mask }
 *   retention: 30d          # logged predictions and feedback older than this are deleted (also: slipway monitor purge)
 *   log_inputs: true
 *   window: 1h              # default window of `slipway monitor`
 * ```
 * Drift thresholds and alert rules (`slipway monitor MODEL --check [--retrain]`):
 * ```yaml
 *   drift: { reference: 7d, p_value: 0.05, psi_warn: 0.1, psi_alert: 0.25, max_features: 32, bins: 10, max_rows: 5000 }
 *   alerts:
 *     - { name: low-accuracy, metric: accuracy, min: 0.9, min_labelled: 50 }
 *     - { name: drift, drift: prediction, psi_max: 0.25 }      # or drift: features; p_min: 0.01
 *     - { name: inputs, drift: dataset, method: psi, share: 0.5 }   # live inputs vs training data (slipway drift's tests)
 *     - { name: latency, metric: latency_p95_ms, max: 50 }
 *   webhook: { url: https://hooks.example.com/slipway, secret: s3cret }
 *   retrain: { stages: [train] }      # what --retrain reproduces (default: the whole pipeline)
 * ```
 */
export const monitoringSchema = z
  .object({
    sample_rate: z.number().min(0).max(1).default(1),
    redact: z.union([z.array(z.string().min(1)), z.record(z.string().min(1), z.enum(['drop', 'hash', 'mask']))]).default([]),
    retention: duration.optional(),
    log_inputs: z.boolean().default(true),
    window: z
      .string()
      .regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration such as 15m, 1h or 7d')
      .default('1h'),
    drift: z
      .object({
        reference: duration.optional(),
        p_value: z.number().gt(0).lt(1).default(0.05),
        psi_warn: z.number().min(0).default(0.1),
        psi_alert: z.number().min(0).default(0.25),
        max_features: positiveInt.max(100_000).default(32),
        bins: z.number().int().min(2).max(1000).default(10),
        max_rows: positiveInt.default(5000),
      })
      .strict()
      .default({ p_value: 0.05, psi_warn: 0.1, psi_alert: 0.25, max_features: 32, bins: 10, max_rows: 5000 }),
    alerts: z.array(alertRuleSchema).default([]),
    webhook: z
      .object({ url: z.string().url(), secret: z.string().min(1).optional() })
      .strict()
      .optional(),
    retrain: z
      .object({ stages: z.array(z.string().min(1)).optional() })
      .strict()
      .optional(),
    /**
     * Labelled production predictions become versions of this dataset (`slipway monitor export-feedback`, and on
     * `schedule` when `every` is set): `{ name: breast-cancer-feedback, model: breast-cancer, every: 1d }`.
     */
    feedback_dataset: z
      .object({ name: z.string().min(1), model: z.string().min(1), every: duration.optional() })
      .strict()
      .optional(),
  })
  .strict();

/** The parsed serving section. */
export type ServingConfig = z.output<typeof servingSchema>;
/** The parsed monitoring section. */
export type MonitoringConfig = z.output<typeof monitoringSchema>;
/** One parsed `monitoring.alerts` rule. */
export type AlertRuleConfig = z.output<typeof alertRuleSchema>;
