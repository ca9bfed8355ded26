import type { Command } from 'commander';
import { join, relative } from 'node:path';
import { loadPipeline, runHistoryCharts, writePlots } from '../pipeline/index.js';
import { runCommand } from './run-command.js';
import { printJson } from './output.js';

/** `slipway plots`: render plot files and run metric histories to SVG and an HTML page. */
export function registerPlots(program: Command): void {
  program
    .command('plots')
    .description("render the stages' plot files (JSON/CSV) and runs' metric histories to SVG line charts and an HTML page")
    .option('-o, --out <dir>', 'output folder', 'slipway_plots')
    .option('--run <id...>', "also draw these runs' metric histories")
    .option('--metric <key...>', 'only these metric keys (with --run)')
    .option('--json', 'print the written files as JSON')
    .addHelpText('after', '\nExamples:\n  slipway plots\n  slipway plots --run 01J… --metric loss accuracy --out report/plots')
    .action((opts: { out: string; run?: string[]; metric?: string[]; json?: boolean }) =>
      runCommand(async (ctx) => {
        const root = ctx.workspace().root;
        const extra = opts.run ? await runHistoryCharts(await ctx.db(), opts.run, opts.metric) : [];
        const files = writePlots(root, loadPipeline(root), join(ctx.cwd, opts.out), extra);
        if (opts.json) printJson({ files });
        else process.stdout.write(`Wrote ${files.length - 1} chart(s); open ${relative(ctx.cwd, files[files.length - 1]!)}\n`);
        return 0;
      }),
    );
}
