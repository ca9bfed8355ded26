import { z } from 'zod';

/**
 * One param's search space, in W&B sweeps' shape: `value` (fixed), `values` (a choice), or a `distribution` with
 * bounds: `uniform`, `log_uniform_values` (log-uniform between min and max), `int_uniform`, `q_uniform` (step `q`).
 */
export const sweepParamSchema = z.union([
  z.object({ value: z.union([z.number(), z.string(), z.boolean()]) }).strict(),
  z.object({ values: z.array(z.union([z.number(), z.string(), z.boolean()])).min(1) }).strict(),
  z
    .object({
      distribution: z.enum(['uniform', 'log_uniform_values', 'int_uniform', 'q_uniform']),
      min: z.number(),
      max: z.number(),
      q: z.number().positive().optional(),
    })
    .strict()
    .refine((p) => p.max > p.min, { message: 'max must be greater than min' })
    .refine((p) => p.distribution !== 'log_uniform_values' || p.min > 0, { message: 'log_uniform_values needs min > 0' })
    .refine((p) => p.distribution !== 'q_uniform' || p.q !== undefined, { message: 'q_uniform needs q' }),
]);

/** `sweeps.NAME` in slipway.yaml: what to search, how, for which metric, with what budget and early stopping. */
export const sweepSchema = z
  .object({
    method: z.enum(['grid', 'random', 'tpe']).default('tpe'),
    metric: z.object({ name: z.string().min(1), goal: z.enum(['maximize', 'minimize']).default('maximize') }).strict(),
    /** Keys of params.yaml (or `file:key`) → their search space. */
    parameters: z.record(z.string(), sweepParamSchema),
    run_cap: z.number().int().positive().optional(),
    seed: z.number().int().nonnegative().default(0),
    /** Random trials before TPE starts modelling (Optuna's n_startup_trials). */
    startup_trials: z.number().int().positive().default(10),
    /** ASHA (asynchronous successive halving, the stopping rule of W&B's `hyperband`) on a per-step metric. */
    early_terminate: z
      .object({
        type: z.enum(['hyperband', 'asha']),
        min_iter: z.number().int().positive().default(1),
        eta: z.number().int().min(2).default(3),
        /** The per-step (per-epoch) metric the trials log; default the sweep's metric name. */
        metric: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const sweepsSchema = z.record(z.string(), sweepSchema);

export type SweepConfig = z.output<typeof sweepSchema>;
export type SweepParam = z.output<typeof sweepParamSchema>;
