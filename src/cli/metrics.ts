import type { Command } from 'commander';
import { currentMetrics, diffMarkdown, diffValues, loadPipeline, resolveBase } from '../pipeline/index.js';
import { runCommand } from './run-command.js';
import { printJson, table } from './output.js';

/** `slipway metrics show|diff`: the pipeline's metrics files, and their change against a git revision or a model alias. */
export function registerMetrics(program: Command): void {
  const metrics = program
    .command('metrics')
    .description("show the pipeline's metrics, or diff them against a git revision or a registered model");
  metrics
    .command('show')
    .description("print the metrics in the stages' metrics files")
    .option('--json', 'print as JSON')
    .option('--md', 'print as a Markdown table')
    .action((opts: { json?: boolean; md?: boolean }) =>
      runCommand(async (ctx) => {
        const m = currentMetrics(ctx.workspace().root, loadPipeline(ctx.workspace().root));
        if (opts.json) printJson(m);
        else {
          const rows = Object.entries(m).flatMap(([file, values]) => Object.entries(values).map(([k, v]) => [file, k, v] as const));
          process.stdout.write(
            opts.md
              ? `| file | metric | value |\n|---|---|---:|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`
              : `${table(['file', 'metric', 'value'], rows)}\n`,
          );
        }
        return 0;
      }),
    );
  metrics
    .command('diff [base]')
    .description(
      'compare metrics with BASE: a git revision (default HEAD) or a model alias/version (production, mnist:production, mnist@3)',
    )
    .option('--json', 'print as JSON')
    .option('--md', 'print as a Markdown table')
    .option('--all', 'include unchanged metrics')
    .addHelpText('after', '\nExamples:\n  slipway metrics diff\n  slipway metrics diff main --md\n  slipway metrics diff mnist:production')
    .action((base: string | undefined, opts: { json?: boolean; md?: boolean; all?: boolean }) =>
      runCommand(async (ctx) => {
        const root = ctx.workspace().root;
        const pipeline = loadPipeline(root);
        const b = await resolveBase(root, pipeline, base ?? 'HEAD', { db: () => ctx.db(), defaultModel: pipeline.config.ci?.model });
        const rows = diffValues(b.metrics, currentMetrics(root, pipeline), !b.byFile).filter((r) => opts.all || r.old !== r.new);
        if (opts.json) printJson({ base: b.label, rows });
        else if (opts.md) process.stdout.write(`${diffMarkdown(rows, b.label)}\n`);
        else
          process.stdout.write(
            rows.length
              ? `${table(
                  ['file', 'metric', b.label, 'workspace', 'change'],
                  rows.map((r) => [r.path, r.key, r.old, r.new, r.change]),
                )}\n`
              : `no metric changes against ${b.label}\n`,
          );
        return 0;
      }),
    );
}
