import { z } from 'zod';

/** Pipeline stages section (owned by pipeline/; DVC's dvc.yaml shape). */
export const stagesSchema = z.record(z.string(), z.record(z.string(), z.unknown()));
