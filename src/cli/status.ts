import type { Command } from 'commander';
import { describeReason, loadPipeline, pipelineEnv, pipelineStatus } from '../pipeline/index.js';
import { runCommand } from './run-command.js';
import { printJson, style } from './output.js';
import { printRemoteStatus } from './status-remote.js';

/** `slipway status`: which stages are stale and why. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show which pipeline stages are stale and exactly why (changed deps, params, command, outputs)')
    .option('--json', 'print as JSON')
    .option(
      '-c, --remote [name]',
      'instead: what is missing locally and on the remote (datasets, models, run cache, outputs), like `dvc status -c`',
    )
    .addHelpText('after', '\nExamples:\n  slipway status\n  slipway status --json\n  slipway status --remote origin')
    .action((opts: { json?: boolean; remote?: string | boolean }) =>
      runCommand(async (ctx) => {
        if (opts.remote !== undefined)
          return printRemoteStatus(ctx, typeof opts.remote === 'string' ? opts.remote : undefined, Boolean(opts.json));
        const ws = ctx.workspace();
        const pipeline = loadPipeline(ws.root);
        const env = pipelineEnv(ws, await ctx.db(), ctx.store());
        try {
          const status = await pipelineStatus(env, pipeline);
          if (opts.json) {
            printJson({ stages: status.map((s) => ({ ...s, reasons: s.reasons.map((r) => ({ ...r, message: describeReason(r) })) })) });
            return 0;
          }
          const stale = status.filter((s) => s.state === 'stale');
          if (status.length === 0) process.stdout.write('no stages in slipway.yaml\n');
          else if (stale.length === 0) process.stdout.write(`${style.green('Pipeline is up to date.')} (${status.length} stages)\n`);
          for (const s of stale) {
            process.stdout.write(`${style.yellow(s.stage)}:\n`);
            for (const r of s.reasons) process.stdout.write(`    ${describeReason(r)}\n`);
          }
          return 0;
        } finally {
          env.close();
        }
      }),
    );
}
