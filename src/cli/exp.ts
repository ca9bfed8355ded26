import type { Command } from 'commander';
import {
  listExperiments,
  loadPipeline,
  pipelineMetrics,
  queueExperiment,
  runExperiment,
  runQueuedExperiments,
  usedParams,
  type ExperimentRecord,
} from '../pipeline/index.js';
import { runCommand } from './run-command.js';
import { stageEnvFor } from './hooks.js';
import { kubernetesAccessFor } from './kubernetes-access.js';
import { printJson, style, table } from './output.js';

const collect = (v: string, acc: string[]): string[] => [...acc, v];
const logLine = (exp: string) => (stage: string, line: string, stream: 'stdout' | 'stderr' | 'info') =>
  (stream === 'stderr' ? process.stderr : process.stdout).write(`${style.cyan(`[${exp}:${stage}]`)} ${line}\n`);

/** `slipway exp run|run-all|show`: pipeline experiments with overridden params. */
export function registerExp(program: Command): void {
  const exp = program.command('exp').description('run the pipeline with overridden params, in an isolated copy of the workspace');
  exp
    .command('run')
    .description('run the pipeline as an experiment with -S overrides (params.yaml is not touched); --queue to run later')
    .option('-S, --set-param <key=value>', 'override a param ([file:]key=value); repeatable', collect, [])
    .option('-n, --name <name>', 'experiment name (default: exp-<random>)')
    .option('--queue', 'queue it for `slipway exp run-all`')
    .option('-j, --jobs <n>', 'stages to run at once', (v) => parseInt(v, 10))
    .option('--json', 'print the experiment record as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  slipway exp run -S train.lr=0.01 -S train.epochs=5 --name lr-small\n  slipway exp run -S train.lr=0.1 --queue && slipway exp run-all -j 2',
    )
    .action((opts: { setParam: string[]; name?: string; queue?: boolean; jobs?: number; json?: boolean }) =>
      runCommand(async (ctx) => {
        const ws = ctx.workspace();
        if (opts.queue) {
          const r = queueExperiment(ws, opts.setParam, opts.name);
          if (opts.json) printJson(r);
          else process.stdout.write(`Queued ${r.name} (${JSON.stringify(r.overrides)}); run it with \`slipway exp run-all\`\n`);
          return 0;
        }
        const r = await runExperiment(ws, await ctx.db(), ctx.store(), {
          overrides: opts.setParam,
          name: opts.name,
          jobs: opts.jobs,
          onLog: opts.json ? undefined : logLine(opts.name ?? 'exp'),
          stageEnv: stageEnvFor(ws.stateDir),
          kubernetes: kubernetesAccessFor(ctx),
        });
        if (opts.json) printJson(r);
        else
          process.stdout.write(
            `${r.status === 'succeeded' ? style.green(r.name) : style.red(r.name)}: ${r.status} ${JSON.stringify(r.metrics)}\n`,
          );
        return r.status === 'succeeded' ? 0 : 1;
      }),
    );
  exp
    .command('run-all')
    .description('run every queued experiment, N at a time (as one Kubernetes Indexed Job when every stage uses the kubernetes executor)')
    .option('-j, --jobs <n>', 'experiments at once (an Indexed Job: its parallelism)', (v) => parseInt(v, 10), 1)
    .option('--json', 'print the records as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  slipway exp run -S train.lr=0.1 --queue && slipway exp run -S train.lr=0.01 --queue\n  slipway exp run-all -j 2',
    )
    .action((opts: { jobs: number; json?: boolean }) =>
      runCommand(async (ctx) => {
        // Ctrl-C stops the running stages (and deletes a queue's Kubernetes Job) instead of leaving them behind.
        const controller = new AbortController();
        const onSignal = (): void => controller.abort();
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        const done = await runQueuedExperiments(ctx.workspace(), await ctx.db(), ctx.store(), {
          jobs: opts.jobs,
          onLog: opts.json ? undefined : logLine('exp'),
          stageEnv: stageEnvFor(ctx.workspace().stateDir),
          kubernetes: kubernetesAccessFor(ctx),
          signal: controller.signal,
        }).finally(() => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        });
        if (opts.json) printJson(done);
        else
          process.stdout.write(
            `${done.length} experiment(s) ran: ${done.map((d) => `${d.name} ${d.status}`).join(', ') || 'none queued'}\n`,
          );
        return done.every((d) => d.status === 'succeeded') ? 0 : 1;
      }),
    );
  exp
    .command('show')
    .description('table of experiments with their params and metrics, best first by --sort')
    .option('--sort <key>', 'sort by a column, e.g. metrics.accuracy or params.train.lr')
    .option('--asc', 'ascending (default: descending, best first for accuracy-like metrics)')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  slipway exp show --sort metrics.accuracy')
    .action((opts: { sort?: string; asc?: boolean; json?: boolean }) =>
      runCommand(async (ctx) => {
        const ws = ctx.workspace();
        const rows: ExperimentRecord[] = listExperiments(ws);
        try {
          const p = loadPipeline(ws.root);
          rows.unshift({
            name: 'workspace',
            status: 'succeeded',
            overrides: {},
            params: usedParams(ws.root, p),
            metrics: pipelineMetrics(ws.root, p),
            runIds: [],
            createdAt: Date.now(),
          });
        } catch {
          /* show experiments even when the current pipeline does not load */
        }
        if (opts.sort) {
          const [kind, ...rest] = opts.sort.split('.');
          const key = rest.join('.');
          const val = (r: ExperimentRecord): number | undefined => {
            const v = kind === 'params' ? r.params[key] : kind === 'metrics' ? r.metrics[key] : r.metrics[opts.sort!];
            return typeof v === 'number' ? v : undefined;
          };
          rows.sort((a, b) => {
            const x = val(a);
            const y = val(b);
            if (x === undefined) return y === undefined ? 0 : 1;
            if (y === undefined) return -1;
            return opts.asc ? x - y : y - x;
          });
        }
        if (opts.json) {
          printJson(rows);
          return 0;
        }
        const pKeys = [...new Set(rows.flatMap((r) => Object.keys(r.params)))].sort();
        const mKeys = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].sort();
        process.stdout.write(
          `${table(
            ['experiment', 'status', ...pKeys, ...mKeys],
            rows.map((r) => [r.name, r.status, ...pKeys.map((k) => fmt(r.params[k])), ...mKeys.map((k) => r.metrics[k])]),
          )}\n`,
        );
        return 0;
      }),
    );
}

function fmt(v: unknown): string | number | undefined {
  return typeof v === 'number' || typeof v === 'string' || v === undefined ? v : JSON.stringify(v);
}
