import type { CliContext } from './context.js';
import { SlipwayError } from '../errors/index.js';
import { parseWindow, purgePredictions } from '../monitoring/index.js';
import { printJson } from './output.js';

/** `slipway monitor purge [--older-than 30d] [--model M]`: deletes logged predictions (and their feedback) past retention. */
export async function monitorPurge(ctx: CliContext, opts: { olderThan?: string; model?: string; json?: boolean }): Promise<number> {
  const age = opts.olderThan ?? ctx.config().monitoring?.retention;
  if (!age) throw new SlipwayError('USAGE', 'give --older-than (e.g. 30d) or set monitoring.retention in slipway.yaml');
  const r = await purgePredictions(await ctx.db(), parseWindow(age), { model: opts.model });
  if (opts.json) printJson(r);
  else
    process.stdout.write(
      `purged ${r.predictions} predictions and ${r.feedback} feedback rows older than ${new Date(r.before).toISOString()}\n`,
    );
  return 0;
}
