import { z } from 'zod';
import { SlipwayError } from '../errors/index.js';

/** Validates a request part with a zod schema; BAD_REQUEST naming the first bad field otherwise. */
export function parseRequest<T>(schema: z.ZodType<T>, value: unknown, what = 'body'): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? `${what}.${issue.path.join('.')}` : what;
  throw new SlipwayError('BAD_REQUEST', `invalid request ${where}: ${issue?.message ?? 'rejected'}`, { field: where });
}

/** A param value over the wire: string, number or boolean, stored as text. */
export const paramValue = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));
export const stringMap = z.record(z.string(), z.string());
export const paramMap = z.record(z.string(), paramValue);
