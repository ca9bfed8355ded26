import { z } from 'zod';

/** Gates section (owned by gates/): named gate sets a model version must pass. */
export const gatesSchema = z.record(z.string(), z.unknown());
