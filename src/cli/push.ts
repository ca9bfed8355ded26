import type { Command } from 'commander';
import { pushWorkspace } from '../sharing/index.js';
import { formatBytes, printJson, style } from './output.js';
import { progress } from './progress.js';
import { runCommand } from './run-command.js';
import { openChosenRemote } from './share-remote.js';

/** `slipway push [NAME@N...]`: send datasets, model versions, run cache and slipway.lock outputs to a remote. */
export function registerPush(program: Command): void {
  program
    .command('push [targets...]')
    .description(
      'send everything this workspace shares to a remote: dataset versions, model versions, run-cache outputs and slipway.lock outputs (or only the NAME / NAME@N given); writes the pointer files under slipway/ to commit',
    )
    .option('-r, --remote <name>', 'remote name (default: the only one, or origin)')
    .option('-j, --jobs <n>', 'objects in flight at once', '8')
    .option('--json', 'print a JSON report')
    .addHelpText(
      'after',
      '\nExamples:\n  slipway push\n  slipway push cancer@2 -r backup\n  git add slipway slipway.lock && git commit -m "data and models"',
    )
    .action((targets: string[], opts: { remote?: string; jobs: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        const { name, remote } = openChosenRemote(ctx, opts.remote);
        const bar = progress('pushing', 0, 'pushing [{bar}] {percentage}% {value}/{total} objects {eta_formatted}');
        const r = await pushWorkspace(await ctx.db(), ctx.store(), remote, ctx.workspace().root, {
          targets,
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
              style.yellow(`warning: ${i.label}: ${i.missing} object(s) missing locally, not pushed (run \`slipway fsck\`)\n`),
            );
          process.stdout.write(`pushed ${r.transferred} objects (${formatBytes(r.bytes)}) to ${name}; ${r.skipped} already there\n`);
        }
        return r.incomplete.length > 0 ? 1 : 0;
      }),
    );
}
