import { z } from 'zod';

const duration = z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration such as 500ms, 30s, 5m or 1h');

/** A version number or an alias name of the deployment's model. */
const versionOrAlias = z.union([
  z.number().int().positive(),
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'an alias name or a version number'),
]);

/**
 * The rules each canary step is judged by over its window (Flagger/Argo Rollouts analysis). Every bound is optional;
 * a rule with too few samples in the window passes only when `min_requests` is met (else the step waits).
 */
export const analysisSchema = z
  .object({
    /** Requests the canary must have answered in the window before it is judged (default 20). */
    min_requests: z.number().int().nonnegative().default(20),
    /** Highest share of 5xx answers of the canary (default 0.01). */
    max_error_rate: z.number().min(0).max(1).default(0.01),
    /** Highest p99 latency of the canary in ms (none by default). */
    max_p99_ms: z.number().positive().optional(),
    /** Largest drop of live accuracy (from feedback) below stable's over the same window (needs `min_labelled`). */
    max_accuracy_drop: z.number().min(0).max(1).optional(),
    min_labelled: z.number().int().positive().default(20),
    /** Largest PSI between the canary's and stable's predicted-class distributions. */
    max_prediction_psi: z.number().positive().optional(),
    /** Largest share of shadow answers that differ from stable's for the same request. */
    max_shadow_disagreement: z.number().min(0).max(1).optional(),
  })
  .strict();

/**
 * One deployment (`deployments:` in slipway.yaml): a model behind an endpoint, its stable alias, and optionally a canary
 * that walks traffic steps and a shadow that receives copies of requests.
 * ```yaml
 * deployments:
 *   breast-cancer:
 *     model: breast-cancer
 *     stable: production            # the alias clients get; moved by a successful rollout
 *     canary: { version: candidate, steps: [10, 25, 50, 100], interval: 1m }
 *     shadow: { version: 7 }
 *     analysis: { max_error_rate: 0.01, max_p99_ms: 50, max_accuracy_drop: 0.02 }
 *     webhook: { url: https://hooks.example.com/rollouts }
 * ```
 */
export const deploymentSchema = z
  .object({
    model: z.string().min(1),
    stable: z.string().min(1).default('production'),
    canary: z
      .object({
        version: versionOrAlias,
        steps: z
          .array(z.number().min(0).max(100))
          .min(1)
          .refine((s) => s.every((x, i) => i === 0 || x > s[i - 1]!), 'steps must increase')
          .default([10, 25, 50, 100]),
        interval: duration.default('1m'),
      })
      .strict()
      .optional(),
    shadow: z.object({ version: versionOrAlias }).strict().optional(),
    analysis: analysisSchema.default({ min_requests: 20, max_error_rate: 0.01, min_labelled: 20 }),
    /** Serve a version whose input signature differs from stable's (refused by default). */
    allow_signature_change: z.boolean().default(false),
    webhook: z
      .object({ url: z.string().url(), secret: z.string().min(1).optional() })
      .strict()
      .optional(),
  })
  .strict();

/** `deployments:` — name → deployment. */
export const deploymentsSchema = z.record(
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'deployment names use letters, digits, . _ -'),
  deploymentSchema,
);

export type DeploymentConfig = z.output<typeof deploymentSchema>;
export type AnalysisConfig = z.output<typeof analysisSchema>;
