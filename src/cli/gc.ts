import type { Command } from 'commander';
import { parseDuration } from '../config/index.js';
import { acquireGcLock, DEFAULT_PRUNE_EXPIRE_MS, gcStore } from '../store/index.js';
import { workspaceRoots } from './workspace-roots.js';
import { SlipwayError } from '../errors/index.js';
import { formatBytes, printJson } from './output.js';
import { runCommand } from './run-command.js';

/** `slipway gc [--dry-run] [--prune-now | --prune-expire DURATION]`: remove objects nothing refers to. */
export function registerGc(program: Command): void {
  program
    .command('gc')
    .description(
      'remove objects no dataset version, model version, run artifact, run-cache entry or slipway.lock refers to, once older than the grace period (store.prune_expire, default 2 weeks); holds the store lock, so concurrent writers wait',
    )
    .option('-n, --dry-run', 'only list what would be removed')
    .option('--prune-now', 'no grace period: also remove unreferenced objects written just now (only when no writer can be mid-way)')
    .option('--prune-expire <duration>', 'grace period for this run, e.g. "2 weeks", "3d", "12h"')
    .option('--json', 'print a JSON report')
    .addHelpText('after', '\nExamples:\n  slipway gc --dry-run\n  slipway gc\n  slipway gc --prune-expire 1d')
    .action((opts: { dryRun?: boolean; json?: boolean; pruneNow?: boolean; pruneExpire?: string }) =>
      runCommand(async (ctx) => {
        const text = opts.pruneNow ? 'now' : (opts.pruneExpire ?? ctx.config().store?.prune_expire);
        const pruneExpireMs = text === undefined ? DEFAULT_PRUNE_EXPIRE_MS : parseDuration(text);
        if (pruneExpireMs === undefined)
          throw new SlipwayError('USAGE', `"${text}" is not a duration; use e.g. "2 weeks", "3d", "12h" or "now"`, { value: text });
        const store = ctx.store();
        const release = await acquireGcLock(store);
        let report;
        try {
          // Roots are read under the lock: a writer that committed before we got it is seen, one after waits for us.
          const roots = await workspaceRoots(await ctx.db(), ctx.workspace().root);
          report = gcStore(store, roots, { dryRun: opts.dryRun, pruneExpireMs });
        } finally {
          release();
        }
        if (opts.json) return printJson(report);
        if (opts.dryRun) for (const r of report.removed) process.stdout.write(`would remove ${r.hash} (${formatBytes(r.size)})\n`);
        process.stdout.write(
          `${opts.dryRun ? 'would remove' : 'removed'} ${report.removed.length} objects (${formatBytes(report.removedBytes)}) and ${report.tempFilesRemoved.length} temp files; kept ${report.kept}${report.young ? ` and ${report.young} unreferenced objects younger than the grace period` : ''}\n`,
        );
      }),
    );
}
