import { z } from 'zod';

/** Serving section (owned by serving/). */
export const servingSchema = z.record(z.string(), z.unknown());
/** Monitoring section (owned by monitoring/). */
export const monitoringSchema = z.record(z.string(), z.unknown());
