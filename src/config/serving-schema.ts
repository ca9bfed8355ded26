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

/**
 * Monitoring section (owned by monitoring/): the prediction log and report defaults.
 * ```yaml
 * monitoring:
 *   sample_rate: 0.1        # fraction of requests logged
 *   redact: [ssn, email]    # input/output names stored as "[redacted]"
 *   log_inputs: true
 *   window: 1h              # default window of `slipway monitor`
 * ```
 * Drift (KS/PSI) and alerts are configured here too once they exist.
 */
export const monitoringSchema = z
  .object({
    sample_rate: z.number().min(0).max(1).default(1),
    redact: z.array(z.string().min(1)).default([]),
    log_inputs: z.boolean().default(true),
    window: z
      .string()
      .regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration such as 15m, 1h or 7d')
      .default('1h'),
  })
  .strict();

/** The parsed serving section. */
export type ServingConfig = z.output<typeof servingSchema>;
/** The parsed monitoring section. */
export type MonitoringConfig = z.output<typeof monitoringSchema>;
