import { z } from 'zod';

const pathOrEntry = <T extends z.ZodType>(options: T) => z.union([z.string().min(1), z.record(z.string().min(1), options.nullable())]);

/** Options of one declared output (`outs: [{model: {cache: false, persist: true}}]`). */
export const outOptionsSchema = z
  .object({
    cache: z.boolean().optional(),
    persist: z.boolean().optional(),
    desc: z.string().optional(),
  })
  .strict();

/** Options of one plot file: which fields to draw. */
export const plotOptionsSchema = z
  .object({
    x: z.string().optional(),
    y: z.union([z.string(), z.array(z.string())]).optional(),
    title: z.string().optional(),
    x_label: z.string().optional(),
    y_label: z.string().optional(),
    cache: z.boolean().optional(),
    persist: z.boolean().optional(),
  })
  .strict();

/** Where a stage runs: locally (default) or as a Kubernetes Job. */
export const executorSchema = z.union([
  z.literal('local'),
  z
    .object({
      kind: z.literal('kubernetes'),
      image: z.string().min(1),
      namespace: z.string().optional(),
      resources: z
        .object({
          cpu: z.union([z.string(), z.number()]).optional(),
          memory: z.string().optional(),
          gpu: z.number().int().nonnegative().optional(),
        })
        .strict()
        .optional(),
      env: z.record(z.string(), z.string()).optional(),
      service_account: z.string().optional(),
      volume_claim: z.string().optional(),
      backoff_limit: z.number().int().nonnegative().optional(),
      /** Secret whose keys become the pod's environment (S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY…). */
      secret: z.string().min(1).optional(),
      /** The workspace remote inputs and outputs travel through (default: the only one, else `origin`). */
      remote: z.string().min(1).optional(),
      /** The Job's activeDeadlineSeconds: Kubernetes stops it after this long (DeadlineExceeded). */
      deadline_seconds: z.number().int().positive().optional(),
      /** How the image starts Slipway (default `[slipway]`; images from `slipway build image`: `[node, /app/bin/slipway.js]`). */
      slipway_command: z.array(z.string().min(1)).min(1).optional(),
    })
    .strict(),
]);

/** The body of one stage (also the `do:` body of a foreach/matrix stage, before templating). */
const stageBodyShape = z
  .object({
    cmd: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    wdir: z.string().optional(),
    desc: z.string().optional(),
    deps: z.array(z.string().min(1)).optional(),
    params: z.array(z.union([z.string().min(1), z.record(z.string().min(1), z.array(z.string().min(1)).nullable())])).optional(),
    outs: z.array(pathOrEntry(outOptionsSchema)).optional(),
    metrics: z.array(pathOrEntry(outOptionsSchema)).optional(),
    plots: z.array(pathOrEntry(plotOptionsSchema)).optional(),
    frozen: z.boolean().optional(),
    always_changed: z.boolean().optional(),
    executor: executorSchema.optional(),
  })
  .loose();

/** Reports an unknown key at the key itself (so the error names its line), listing the allowed keys. */
function rejectUnknownKeys(allowed: readonly string[]) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    for (const k of Object.keys(value))
      if (!allowed.includes(k)) ctx.addIssue({ code: 'custom', path: [k], message: `unknown key "${k}" (allowed: ${allowed.join(', ')})` });
  };
}

const BODY_KEYS = Object.keys(stageBodyShape.shape);
export const stageBodySchema = stageBodyShape.superRefine(rejectUnknownKeys(BODY_KEYS));

const foreachSchema = z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);

/** A stage: a plain body, `foreach` + `do` (a body), or `matrix` + body fields. */
export const stageSchema = stageBodyShape
  .partial({ cmd: true })
  .extend({
    foreach: foreachSchema.optional(),
    do: stageBodySchema.optional(),
    matrix: z.record(z.string(), z.union([z.string(), z.array(z.unknown()).min(1)])).optional(),
  })
  .superRefine((s, ctx) => {
    rejectUnknownKeys([...BODY_KEYS, 'foreach', 'do', 'matrix'])(s, ctx);
    if (s.foreach !== undefined) {
      if (s.do === undefined) ctx.addIssue({ code: 'custom', path: ['do'], message: 'a foreach stage needs a `do:` body' });
      const extra = Object.keys(s).filter((k) => k !== 'foreach' && k !== 'do');
      if (extra.length > 0) ctx.addIssue({ code: 'custom', path: [extra[0]!], message: 'a foreach stage holds only `foreach` and `do`' });
    } else if (s.do !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['do'], message: '`do:` is only valid with `foreach:`' });
    } else if (s.cmd === undefined) {
      ctx.addIssue({ code: 'custom', path: ['cmd'], message: 'every stage needs a `cmd`' });
    }
  });

/** Pipeline stages section (owned by pipeline/; DVC's dvc.yaml shape). */
export const stagesSchema = z.record(
  z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'stage names use letters, digits, _ . -'),
  stageSchema,
);

/** The `ci:` section read by `slipway ci`: which model to register and gate after the pipeline ran. */
export const ciSchema = z
  .object({
    /** Registered model name (e.g. `mnist`). */
    model: z.string().min(1).optional(),
    /** Folder the pipeline writes the model to (a stage output). */
    model_path: z.string().min(1).optional(),
    /** Dataset ref the gates evaluate on (e.g. `mnist-test@2`). */
    gates_dataset: z.string().min(1).optional(),
    /** Gate set name in `gates:` (default: all). */
    gates: z.string().optional(),
    /** Alias compared against in the report (default `production`). */
    compare_alias: z.string().optional(),
    /** Run `slipway data pull` first when a remote is configured (default true). */
    pull: z.boolean().optional(),
    /** Stages to reproduce (default: all). */
    stages: z.array(z.string()).optional(),
  })
  .strict();

export type StageBodyConfig = z.output<typeof stageBodySchema>;
export type StageConfig = z.output<typeof stageSchema>;
export type ExecutorConfig = z.output<typeof executorSchema>;
export type CiConfig = z.output<typeof ciSchema>;
