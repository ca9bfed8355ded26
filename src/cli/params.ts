import type { Command } from 'commander';
import { currentParams, diffMarkdown, diffValues, loadPipeline, resolveBase } from '../pipeline/index.js';
import { runCommand } from './run-command.js';
import { printJson, table } from './output.js';

/** `slipway params diff [BASE]`: the params the stages read, against a git revision or a model version. */
export function registerParams(program: Command): void {
  const params = program.command('params').description('compare pipeline params');
  params
    .command('diff [base]')
    .description('compare the params the stages read with BASE: a git revision (default HEAD) or a model alias/version')
    .option('--json', 'print as JSON')
    .option('--md', 'print as a Markdown table')
    .option('--all', 'include unchanged params')
    .addHelpText('after', '\nExamples:\n  slipway params diff\n  slipway params diff main\n  slipway params diff mnist:production')
    .action((base: string | undefined, opts: { json?: boolean; md?: boolean; all?: boolean }) =>
      runCommand(async (ctx) => {
        const root = ctx.workspace().root;
        const pipeline = loadPipeline(root);
        const b = await resolveBase(root, pipeline, base ?? 'HEAD', { db: () => ctx.db(), defaultModel: pipeline.config.ci?.model });
        const now = currentParams(root, pipeline);
        const rows = diffValues(b.params, now, b.kind === 'model').filter((r) => opts.all || String(r.old) !== String(r.new));
        if (opts.json) printJson({ base: b.label, rows });
        else if (opts.md) process.stdout.write(`${diffMarkdown(rows, b.label, 'param')}\n`);
        else
          process.stdout.write(
            rows.length
              ? `${table(
                  ['file', 'param', b.label, 'workspace'],
                  rows.map((r) => [r.path, r.key, r.old, r.new]),
                )}\n`
              : `no param changes against ${b.label}\n`,
          );
        return 0;
      }),
    );
}
