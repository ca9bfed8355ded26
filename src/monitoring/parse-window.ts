import { SlipwayError } from '../errors/index.js';

const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a window such as `30s`, `15m`, `1h`, `7d` (or plain milliseconds) into milliseconds. */
export function parseWindow(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const n = m ? Number(m[1]) * UNIT[m[2] ?? 'ms']! : NaN;
  if (!m || !(n > 0) || n > 366 * UNIT.d!)
    throw new SlipwayError('USAGE', `window "${text}" is not a duration; use e.g. 30s, 15m, 1h or 7d.`);
  return n;
}
