import type { Command } from 'commander';
import { collectRoots, gcStore } from '../store/index.js';
import { formatBytes, printJson } from './output.js';
import { runCommand } from './run-command.js';

/** `slipway gc [--dry-run]`: remove objects nothing refers to. */
export function registerGc(program: Command): void {
  program
    .command('gc')
    .description('remove objects no dataset version, model version, run artifact, run-cache entry or slipway.lock refers to')
    .option('-n, --dry-run', 'only list what would be removed')
    .option('--json', 'print a JSON report')
    .addHelpText('after', '\nExamples:\n  slipway gc --dry-run\n  slipway gc')
    .action((opts: { dryRun?: boolean; json?: boolean }) =>
      runCommand(async (ctx) => {
        const roots = await collectRoots(await ctx.db(), ctx.workspace().root);
        const report = gcStore(ctx.store(), roots, { dryRun: opts.dryRun });
        if (opts.json) return printJson(report);
        if (opts.dryRun) for (const r of report.removed) process.stdout.write(`would remove ${r.hash} (${formatBytes(r.size)})\n`);
        process.stdout.write(
          `${opts.dryRun ? 'would remove' : 'removed'} ${report.removed.length} objects (${formatBytes(report.removedBytes)}) and ${report.tempFilesRemoved.length} temp files; kept ${report.kept}\n`,
        );
      }),
    );
}
