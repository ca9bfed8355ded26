import { z } from 'zod';
import { stagesSchema, ciSchema } from './pipeline-schema.js';
import { gatesSchema } from './gates-schema.js';
import { servingSchema, monitoringSchema } from './serving-schema.js';
import { storeSchema } from './store-schema.js';
import { deploymentsSchema } from './deployments-schema.js';
import { sweepsSchema } from './sweeps-schema.js';

/** The whole of `slipway.yaml`. Each capability owns its section's schema file. */
export const slipwayConfigSchema = z
  .object({
    stages: stagesSchema.default({}),
    gates: gatesSchema.default({}),
    serving: servingSchema.optional(),
    monitoring: monitoringSchema.optional(),
    ci: ciSchema.optional(),
    remotes: z.record(z.string(), z.object({ url: z.string() })).default({}),
    store: storeSchema.optional(),
    vars: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).optional(),
    schedules: z
      .array(z.object({ cron: z.string().optional(), on_dataset: z.string().optional(), stages: z.array(z.string()).optional() }).strict())
      .optional(),
    deployments: deploymentsSchema.optional(),
    sweeps: sweepsSchema.optional(),
    webhooks: z.array(z.object({ url: z.string(), secret: z.string().optional(), events: z.array(z.string()).optional() })).optional(),
  })
  .strict();

export type SlipwayConfig = z.output<typeof slipwayConfigSchema>;
