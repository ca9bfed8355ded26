import type { Command } from 'commander';
import { loadPipeline, pipelineEnv, repro, describeReason } from '../pipeline/index.js';
import { SlipwayError } from '../errors/index.js';
import { runCommand } from './run-command.js';
import { stageEnvFor } from './hooks.js';
import { kubernetesAccessFor } from './kubernetes-access.js';
import { printJson, style } from './output.js';

/** `slipway repro [STAGE…]`: bring the pipeline up to date. */
export function registerRepro(program: Command): void {
  program
    .command('repro [stages...]')
    .description(
      'run stale pipeline stages in dependency order (independent stages in parallel), restoring outputs from the run cache when possible',
    )
    .option('-j, --jobs <n>', 'stages to run at once (default: CPU count)', (v) => parseInt(v, 10))
    .option('-f, --force', 'run even when up to date, without the run cache')
    .option('--dry-run', 'print what would run and why; change nothing')
    .option('--wait <seconds>', 'wait this long for another repro on this workspace instead of refusing', (v) => parseFloat(v))
    .option('--json', 'print the result as JSON (logs go to stderr)')
    .addHelpText(
      'after',
      '\nExamples:\n  slipway repro\n  slipway repro train -j 4\n  slipway repro --dry-run\n  slipway repro evaluate --force',
    )
    .action((stages: string[], opts: { jobs?: number; force?: boolean; dryRun?: boolean; wait?: number; json?: boolean }) =>
      runCommand(async (ctx) => {
        if (opts.jobs !== undefined && (!Number.isInteger(opts.jobs) || opts.jobs < 1))
          throw new SlipwayError('USAGE', '-j needs a positive whole number');
        const ws = ctx.workspace();
        const pipeline = loadPipeline(ws.root);
        const env = pipelineEnv(ws, await ctx.db(), ctx.store(), {
          stageEnv: stageEnvFor(ws.stateDir),
          kubernetes: kubernetesAccessFor(ctx),
        });
        const controller = new AbortController();
        const onSignal = (sig: NodeJS.Signals): void => {
          process.stderr.write(`\n${sig}: stopping running stages…\n`);
          controller.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        const out = opts.json ? process.stderr : process.stdout;
        try {
          const result = await repro(env, pipeline, {
            targets: stages,
            jobs: opts.jobs,
            force: opts.force,
            dryRun: opts.dryRun,
            waitMs: opts.wait !== undefined ? opts.wait * 1000 : undefined,
            signal: controller.signal,
            onLog: (stage, line, stream) => {
              const prefix = style.cyan(`[${stage}]`);
              (stream === 'stderr' ? process.stderr : out).write(`${prefix} ${stream === 'info' ? style.dim(line) : line}\n`);
            },
          });
          if (opts.json) printJson(result);
          else {
            for (const s of result.stages) {
              if (opts.dryRun && s.reasons.length > 0 && s.status.startsWith('would'))
                for (const r of s.reasons) out.write(`  ${s.stage}: ${describeReason(r)}\n`);
            }
            const count = (st: string): number => result.stages.filter((s) => s.status === st).length;
            const parts = ['ran', 'restored', 'up_to_date', 'frozen', 'failed', 'skipped', 'killed', 'would_run', 'would_restore']
              .filter((st) => count(st) > 0)
              .map((st) => `${count(st)} ${st.replace(/_/g, ' ')}`);
            out.write(`${result.ok ? style.green('ok') : style.red('failed')}: ${parts.join(', ') || 'no stages'}\n`);
            if (!opts.dryRun && result.ok && result.stages.every((st) => st.status === 'up_to_date' || st.status === 'frozen'))
              out.write('nothing changed: no code, data, dataset version or params changed since the last run, so nothing was retrained\n');
          }
          if (result.interrupted)
            throw new SlipwayError(
              'INTERRUPTED',
              'repro was interrupted; completed stages are recorded in slipway.lock, run `slipway repro` again to continue',
            );
          return result.ok ? 0 : 1;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          env.close();
        }
      }),
    );
}
