import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { runGates, type GateReport } from '../gates/index.js';
import { parseModelRef } from '../registry/index.js';
import type { CliContext } from './context.js';
import { formatNumber, printJson, style, table } from './output.js';
import { runCommand } from './run-command.js';

/** Who the CLI acts as in audit records. */
export function cliActor(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Renders a gate report for people: verdict, rule table (rule, measured value, bound, verdict). */
export function gateReportText(r: GateReport): string {
  const verdict = r.passed ? style.green('PASSED') : style.red('FAILED');
  const rows = r.results.map((x) => [
    x.rule,
    x.value === null ? '—' : formatNumber(x.value),
    x.bound,
    x.passed ? style.green('pass') : style.red('FAIL'),
    x.detail ?? '',
  ]);
  const timing = `${(r.timings.totalMs / 1000).toFixed(2)}s total, ${(r.timings.predictMs / 1000).toFixed(2)}s in the model`;
  return [
    `${style.bold(`Gates for ${r.model}@${r.version}`)}: ${verdict}  (${r.dataset}, ${r.rows} rows; ${timing}${r.id ? `; report ${r.id}` : ''})`,
    table(['RULE', 'MEASURED', 'BOUND', 'VERDICT', 'DETAIL'], rows),
  ].join('\n');
}

/** `slipway gates run NAME@N [--data DATASET@V] [--json]`. */
export function registerGates(program: Command): void {
  const gates = program.command('gates').description('run the quality gates declared in slipway.yaml');
  gates
    .command('run <ref>')
    .description('evaluate a model version against its gates (exit 1 when any gate fails)')
    .option('--data <dataset>', 'evaluate on this dataset version (name@N) or path instead of the gate set’s')
    .option('--json', 'print the report as JSON')
    .option('--no-save', 'do not store the report')
    .addHelpText('after', '\nExamples:\n  slipway gates run mnist@3\n  slipway gates run iris@2 --data iris-holdout@1 --json')
    .action((ref: string, opts: { data?: string; json?: boolean; save?: boolean }) =>
      runCommand(async (ctx: CliContext) => {
        const report = await runGates(await ctx.db(), ctx.store(), {
          ref: parseModelRef(ref),
          gates: ctx.config().gates,
          dataset: opts.data,
          root: ctx.workspace().root,
          save: opts.save !== false,
        });
        if (opts.json) printJson(report);
        else process.stdout.write(`${gateReportText(report)}\n`);
        return report.passed ? 0 : 1;
      }),
    );
}
