import type { Command } from 'commander';
import { modelLineage, lineageDot, lineageText, parseModelRef } from '../registry/index.js';
import { printJson } from './output.js';
import { runCommand } from './run-command.js';

/** `slipway lineage NAME@N [--dot] [--json]`: dataset versions → run → model version → aliases. */
export function registerLineage(program: Command): void {
  program
    .command('lineage <ref>')
    .description('show where a model version came from: dataset versions → run (code, params) → version → aliases')
    .option('--dot', 'print a Graphviz digraph')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  slipway lineage mnist@3\n  slipway lineage mnist:production --dot | dot -Tsvg > lineage.svg')
    .action((ref: string, opts: { dot?: boolean; json?: boolean }) =>
      runCommand(async (ctx) => {
        const g = await modelLineage(await ctx.db(), parseModelRef(ref));
        if (opts.json) printJson(g);
        else process.stdout.write(`${opts.dot ? lineageDot(g) : lineageText(g)}\n`);
      }),
    );
}
