import type { Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlWith, sweepSchema, type SweepConfig } from '../config/index.js';
import { SlipwayError } from '../errors/index.js';
import {
  bestTrial,
  expObjective,
  historySvg,
  paramImportance,
  parallelCoordinatesSvg,
  readSweepState,
  runSweep,
  type SweepState,
  type TrialRecord,
} from '../tuning/index.js';
import type { CliContext } from './context.js';
import { stageEnvFor } from './hooks.js';
import { formatNumber, printJson, style, table } from './output.js';
import { runCommand } from './run-command.js';

const statePath = (stateDir: string, name: string): string => join(stateDir, 'sweeps', name, 'state.json');

/** The sweep's config: from --file (a YAML file holding one sweep), else slipway.yaml's `sweeps.NAME`. */
function sweepConfig(ctx: CliContext, name: string, file: string | undefined): SweepConfig {
  if (file) {
    if (!existsSync(file)) throw new SlipwayError('FILE_NOT_FOUND', `sweep file ${file} does not exist`, { path: file });
    return parseYamlWith(readFileSync(file, 'utf8'), file, sweepSchema);
  }
  const cfg = ctx.config().sweeps?.[name];
  if (!cfg)
    throw new SlipwayError('SWEEP_NOT_FOUND', `no sweep "${name}" under sweeps: in slipway.yaml; declare it there or pass --file`, {
      name,
    });
  return cfg;
}

function trialLine(t: Readonly<TrialRecord>): string {
  const params = Object.entries(t.params)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : String(v)}`)
    .join(' ');
  const colour =
    t.status === 'succeeded' ? style.green : t.status === 'running' ? style.cyan : t.status === 'pruned' ? style.yellow : style.red;
  const value = t.value === undefined ? '' : ` → ${formatNumber(t.value)}`;
  return `${colour(`[trial ${t.number} ${t.status}]`)} ${params}${value}${t.error ? ` (${t.error})` : ''}\n`;
}

/** What `sweep show` prints and `--json` returns. */
function summary(state: SweepState): Record<string, unknown> {
  const finished = state.trials.filter((t) => t.status === 'succeeded' && t.value !== undefined);
  const sign = state.config.metric.goal === 'maximize' ? -1 : 1;
  const epochs = state.trials.reduce((a, t) => a + (t.steps.length ? Math.max(...t.steps.map((s) => s[0])) : 0), 0);
  return {
    name: state.name,
    method: state.config.method,
    metric: state.config.metric,
    trials: state.trials.length,
    counts: Object.fromEntries(
      ['succeeded', 'pruned', 'failed', 'running'].map((s) => [s, state.trials.filter((t) => t.status === s).length]),
    ),
    stepsRun: epochs,
    best: bestTrial(state) ?? null,
    top: [...finished].sort((a, b) => sign * (a.value! - b.value!)).slice(0, 5),
    importance: paramImportance(finished.map((t) => ({ params: t.params, value: t.value! }))),
  };
}

/** `slipway sweep run|show|list`: hyperparameter search over the pipeline, each trial a tracked experiment. */
export function registerSweep(program: Command): void {
  const sweep = program
    .command('sweep')
    .description('search hyperparameters (grid, random, TPE) over the pipeline; ASHA stops bad trials early')
    .addHelpText(
      'after',
      `
A sweep in slipway.yaml (W&B sweeps' shape; keys are params.yaml keys the pipeline reads):
  sweeps:
    bc:
      method: tpe                       # grid | random | tpe
      metric: { name: accuracy, goal: maximize }
      parameters:
        train.lr: { distribution: log_uniform_values, min: 0.0001, max: 0.1 }
        train.units: { values: [8, 16, 32] }
        train.epochs: { value: 20 }
      run_cap: 30
      seed: 1
      early_terminate: { type: hyperband, min_iter: 2, eta: 3, metric: accuracy }

Examples:
  slipway sweep run bc -j 2             run (or resume) the sweep, 2 trials at a time
  slipway sweep show bc                 best trials, param importance, and SVG plots
  slipway sweep list`,
    );
  sweep
    .command('run <name>')
    .description('run or resume a sweep: each trial is `slipway exp run` with the suggested params')
    .option('-f, --file <yaml>', 'read the sweep from this file instead of slipway.yaml')
    .option('-j, --jobs <n>', 'trials at once', (v) => parseInt(v, 10), 1)
    .option('--json', 'print the final state as JSON')
    .action((name: string, opts: { file?: string; jobs: number; json?: boolean }) =>
      runCommand(async (ctx) => {
        const ws = ctx.workspace();
        const config = sweepConfig(ctx, name, opts.file);
        const controller = new AbortController();
        const stop = (): void => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        const state = await runSweep({
          name,
          config,
          jobs: opts.jobs,
          statePath: statePath(ws.stateDir, name),
          signal: controller.signal,
          onTrial: opts.json ? undefined : (t) => process.stdout.write(trialLine(t)),
          objective: expObjective({
            ws,
            db: await ctx.db(),
            store: ctx.store(),
            metric: config.metric.name,
            stepMetric: config.early_terminate ? (config.early_terminate.metric ?? config.metric.name) : undefined,
            run: { jobs: 1, stageEnv: stageEnvFor(ws.stateDir) },
          }),
        });
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        if (opts.json) printJson(summary(state));
        else {
          const best = bestTrial(state);
          process.stdout.write(
            best
              ? `best: trial ${best.number} (${best.name}) ${config.metric.name}=${formatNumber(best.value!)} ${JSON.stringify(best.params)}\n`
              : 'no trial finished\n',
          );
        }
        if (controller.signal.aborted) return 2;
        return bestTrial(state) ? 0 : 1;
      }),
    );
  sweep
    .command('show <name>')
    .description('the best trials, each param’s importance, and plots (optimisation history, parallel coordinates)')
    .option('--out <dir>', 'where to write the SVG plots (default .slipway/sweeps/NAME)')
    .option('--json', 'print as JSON')
    .action((name: string, opts: { out?: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        const ws = ctx.workspace();
        const state = readSweepState(statePath(ws.stateDir, name));
        if (!state)
          throw new SlipwayError('SWEEP_NOT_FOUND', `sweep "${name}" has not run yet; start it with \`slipway sweep run ${name}\``, {
            name,
          });
        const out = opts.out ?? join(ws.stateDir, 'sweeps', name);
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, 'history.svg'), historySvg(state));
        writeFileSync(join(out, 'parallel.svg'), parallelCoordinatesSvg(state));
        const s = summary(state);
        if (opts.json) {
          printJson({ ...s, plots: { history: join(out, 'history.svg'), parallel: join(out, 'parallel.svg') } });
          return 0;
        }
        const counts = s.counts as Record<string, number>;
        process.stdout.write(
          `${state.name}: ${state.config.method}, ${state.trials.length} trials (${Object.entries(counts)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${n} ${k}`)
            .join(', ')}), ${s.stepsRun as number} steps run\n\n`,
        );
        const keys = Object.keys(state.config.parameters);
        const top = s.top as TrialRecord[];
        process.stdout.write(
          table(
            ['trial', state.config.metric.name, ...keys],
            top.map((t) => [
              t.number,
              formatNumber(t.value!),
              ...keys.map((k) => (typeof t.params[k] === 'number' ? formatNumber(t.params[k]) : String(t.params[k]))),
            ]),
          ) + '\n\n',
        );
        const imp = s.importance as Record<string, number>;
        process.stdout.write(
          `importance (share of ${state.config.metric.name}'s variance explained):\n` +
            Object.entries(imp)
              .sort((a, b) => b[1] - a[1])
              .map(([k, v]) => `  ${k.padEnd(24)} ${'█'.repeat(Math.round(v * 30))} ${(v * 100).toFixed(0)}%`)
              .join('\n') +
            `\n\nplots: ${join(out, 'history.svg')}, ${join(out, 'parallel.svg')}\n`,
        );
        return 0;
      }),
    );
  sweep
    .command('list')
    .description('sweeps that have run, with their best value')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) =>
      runCommand(async (ctx) => {
        const dir = join(ctx.workspace().stateDir, 'sweeps');
        const states = existsSync(dir)
          ? readdirSync(dir)
              .map((n) => readSweepState(statePath(ctx.workspace().stateDir, n)))
              .filter((s): s is SweepState => s !== undefined)
          : [];
        const rows = states.map((s) => ({
          name: s.name,
          method: s.config.method,
          trials: s.trials.length,
          best: bestTrial(s)?.value ?? null,
        }));
        if (opts.json) printJson(rows);
        else
          process.stdout.write(
            rows.length
              ? table(
                  ['name', 'method', 'trials', 'best'],
                  rows.map((r) => [r.name, r.method, r.trials, r.best ?? '—']),
                ) + '\n'
              : 'no sweeps yet\n',
          );
        return 0;
      }),
    );
}
