import type { Command } from 'commander';
import { pullWorkspace } from '../sharing/index.js';
import { formatBytes, printJson, style } from './output.js';
import { progress } from './progress.js';
import { runCommand } from './run-command.js';
import { openChosenRemote } from './share-remote.js';

/** `slipway pull [NAME@N...]`: fetch what the committed pointer files and slipway.lock name, and check outputs out. */
export function registerPull(program: Command): void {
  program
    .command('pull [targets...]')
    .description(
      'fetch from a remote everything the pointer files under slipway/ and slipway.lock name (or only the NAME / NAME@N given), verified by hash, then write missing slipway.lock outputs into the workspace',
    )
    .option('-r, --remote <name>', 'remote name (default: the only one, or origin)')
    .option('-j, --jobs <n>', 'objects in flight at once', '8')
    .option('-f, --force', 'overwrite slipway.lock outputs that exist in the workspace')
    .option('--no-checkout', 'only fetch objects into the store')
    .option('--json', 'print a JSON report')
    .addHelpText(
      'after',
      '\nExamples:\n  git clone URL && cd REPO && slipway init && slipway pull\n  slipway pull cancer@1\n  slipway pull -j 32 -r backup',
    )
    .action((targets: string[], opts: { remote?: string; jobs: string; json?: boolean; force?: boolean; checkout: boolean }) =>
      runCommand(async (ctx) => {
        const { name, remote } = openChosenRemote(ctx, opts.remote);
        const bar = progress('pulling', 0, 'pulling [{bar}] {percentage}% {value}/{total} objects {eta_formatted}');
        const r = await pullWorkspace(await ctx.db(), ctx.store(), remote, ctx.workspace().root, {
          targets,
          force: opts.force,
          checkout: opts.checkout,
          concurrency: Math.max(1, Number(opts.jobs) || 8),
          onProgress: (d, t) => {
            bar.setTotal(t);
            bar.update(d);
          },
        }).finally(() => bar.stop());
        if (opts.json) printJson({ remote: name, ...r });
        else {
          for (const i of r.incomplete)
            process.stderr.write(
              style.yellow(`warning: ${i.label}: ${i.missing} object(s) are not on ${name}; push them from a workspace that has them\n`),
            );
          for (const p of r.checkedOut) process.stdout.write(`checked out ${p}\n`);
          process.stdout.write(`pulled ${r.transferred} objects (${formatBytes(r.bytes)}) from ${name}; ${r.skipped} already here\n`);
        }
        return r.incomplete.length > 0 ? 1 : 0;
      }),
    );
}
