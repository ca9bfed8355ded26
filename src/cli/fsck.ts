import type { Command } from 'commander';
import { collectRoots, fsckStore } from '../store/index.js';
import { formatBytes, printJson, style } from './output.js';
import { progress } from './progress.js';
import { runCommand } from './run-command.js';

/** `slipway fsck`: re-hash every object and check that everything referenced is present. */
export function registerFsck(program: Command): void {
  program
    .command('fsck')
    .description('re-hash every stored object and check that every referenced object exists; exit 1 naming each problem')
    .option('--json', 'print a JSON report')
    .addHelpText('after', '\nExample:\n  slipway fsck && echo store is healthy')
    .action((opts: { json?: boolean }) =>
      runCommand(async (ctx) => {
        const roots = await collectRoots(await ctx.db(), ctx.workspace().root, { requiredOnly: true });
        const bar = progress('checking', 0);
        const report = await fsckStore(ctx.store(), roots, {
          onProgress: (d, t) => {
            bar.setTotal(t);
            bar.update(d);
          },
        }).finally(() => bar.stop());
        if (opts.json) printJson(report);
        else {
          for (const p of report.problems) process.stdout.write(`${style.red(p.kind)} ${p.hash} ${style.dim(p.detail)}\n`);
          if (report.tempFiles.length > 0)
            process.stdout.write(
              style.dim(`${report.tempFiles.length} temp file(s) from interrupted writes (harmless; \`slipway gc\` removes them)\n`),
            );
          process.stdout.write(
            report.ok
              ? `${style.green('ok')}: ${report.checked} objects (${formatBytes(report.bytes)}) verified, all references present\n`
              : `${style.red('FAILED')}: ${report.problems.length} problem(s) in ${report.checked} objects\n`,
          );
        }
        return report.ok ? 0 : 1;
      }),
    );
}
