import type { Command } from 'commander';
import { dagDot, dagMermaid, dagText, loadPipeline } from '../pipeline/index.js';
import { runCommand } from './run-command.js';
import { printJson } from './output.js';

/** `slipway dag`: print the pipeline graph. */
export function registerDag(program: Command): void {
  program
    .command('dag')
    .description('print the pipeline DAG (text, Graphviz DOT or Mermaid)')
    .option('--dot', 'Graphviz DOT')
    .option('--mermaid', 'Mermaid flowchart')
    .option('--json', 'stages with their upstream stages, as JSON')
    .addHelpText('after', '\nExamples:\n  slipway dag\n  slipway dag --dot | dot -Tsvg > dag.svg\n  slipway dag --mermaid')
    .action((opts: { dot?: boolean; mermaid?: boolean; json?: boolean }) =>
      runCommand(async (ctx) => {
        const p = loadPipeline(ctx.workspace().root);
        if (opts.json) printJson({ order: p.order, upstream: Object.fromEntries(p.upstream) });
        else process.stdout.write(`${opts.dot ? dagDot(p) : opts.mermaid ? dagMermaid(p) : dagText(p)}\n`);
        return 0;
      }),
    );
}
