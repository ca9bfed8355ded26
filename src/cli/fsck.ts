import type { Command } from 'commander';
import { fsckStore, openRemote, pickRemote, repairStore } from '../store/index.js';
import { workspaceRoots } from './workspace-roots.js';
import { formatBytes, printJson, style } from './output.js';
import { progress } from './progress.js';
import { runCommand } from './run-command.js';

/** `slipway fsck`: re-hash every object and check that everything referenced is present. */
export function registerFsck(program: Command): void {
  program
    .command('fsck')
    .description('re-hash every stored object and check that every referenced object exists; exit 1 naming each problem')
    .option('--repair', 'fetch corrupt and missing objects again from the remote (verified by hash), then check again')
    .option('-r, --remote <name>', 'remote to repair from (default: the only one, or origin)')
    .option('--json', 'print a JSON report')
    .addHelpText('after', '\nExamples:\n  slipway fsck && echo store is healthy\n  slipway fsck --repair -r origin')
    .action((opts: { json?: boolean; repair?: boolean; remote?: string }) =>
      runCommand(async (ctx) => {
        const roots = await workspaceRoots(await ctx.db(), ctx.workspace().root, { requiredOnly: true });
        const bar = progress('checking', 0);
        const report = await fsckStore(ctx.store(), roots, {
          onProgress: (d, t) => {
            bar.setTotal(t);
            bar.update(d);
          },
        }).finally(() => bar.stop());
        let repair: Awaited<ReturnType<typeof repairStore>> | undefined;
        if (opts.repair && !report.ok) {
          const target = pickRemote(ctx.config().remotes, opts.remote);
          const remote = openRemote(target.url, ctx.workspace().root, { s3: ctx.settings.s3 });
          repair = await repairStore(ctx.store(), remote, report, roots);
          const again = await fsckStore(ctx.store(), roots);
          if (opts.json) printJson({ before: report, repair, after: again });
          else {
            for (const h of repair.repaired) process.stdout.write(`${style.green('repaired')} ${h}\n`);
            for (const u of repair.unrepaired) process.stdout.write(`${style.red('unrepaired')} ${u.hash} ${style.dim(u.reason)}\n`);
            process.stdout.write(
              again.ok
                ? `${style.green('ok')}: repaired ${repair.repaired.length} object(s) from ${target.name}; ${again.checked} objects verified\n`
                : `${style.red('FAILED')}: ${again.problems.length} problem(s) remain after repair\n`,
            );
          }
          return again.ok ? 0 : 1;
        }
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
