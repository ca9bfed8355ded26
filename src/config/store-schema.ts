import { z } from 'zod';

/** A duration such as `2 weeks`, `14d`, `36h`, `90m`, `now` or `never`, in milliseconds (never: Infinity). */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'now') return 0;
  if (t === 'never') return Number.POSITIVE_INFINITY;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|seconds?|m|min|minutes?|h|hours?|d|days?|w|weeks?)$/.exec(t);
  if (!m) return undefined;
  const unit = m[2]!;
  const mult =
    unit === 'ms'
      ? 1
      : unit.startsWith('s')
        ? 1e3
        : unit.startsWith('m')
          ? 60e3
          : unit.startsWith('h')
            ? 3600e3
            : unit.startsWith('d')
              ? 86400e3
              : 604800e3;
  return Number(m[1]) * mult;
}

/**
 * `store:` in slipway.yaml. `link` is the checkout order (default reflink, copy: checked-out files are independent);
 * hardlink and symlink are opt-in and leave read-only files. `prune_expire` is gc's grace period for unreferenced
 * objects (git's gc.pruneExpire; default `2 weeks`).
 */
export const storeSchema = z
  .object({
    link: z
      .array(z.enum(['reflink', 'copy', 'hardlink', 'symlink']))
      .min(1)
      .optional(),
    prune_expire: z
      .string()
      .refine((s) => parseDuration(s) !== undefined, { message: 'use a duration such as "2 weeks", "14d", "36h", "now" or "never"' })
      .optional(),
  })
  .strict();
