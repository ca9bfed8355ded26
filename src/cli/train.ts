import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseYamlWith } from '../config/index.js';
import { modelSpecSchema } from '../engine/model-spec.js';
import { saveModel } from '../engine/model-io.js';
import type { Logs } from '../engine/model.js';
import { trainFromSpec } from '../engine/train-from-spec.js';
import { loadTrainingData } from '../engine/training-data.js';
import { SlipwayError, isSlipwayError } from '../errors/index.js';
import { writeFileAtomic } from '../store/index.js';
import { startRun } from '../tracking/index.js';
import type { DatasetInput, Run } from '../tracking/index.js';
import type { CliContext } from './context.js';
import { formatNumber } from './output.js';
import { progress, type Progress } from './progress.js';
import { runCommand } from './run-command.js';
import { positive, rangeOption, resolveDataArg } from './data-arg.js';

function logLine(logs: Logs): string {
  return Object.entries(logs)
    .filter(([k]) => k !== 'size')
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .join('  ');
}

interface TrainOptions {
  model: string;
  data: string;
  target?: string;
  epochs?: string;
  batchSize?: string;
  lr?: string;
  seed?: string;
  out: string;
  metrics: string;
  experiment: string;
  valSplit?: string;
  trainCount?: string;
  range?: string;
  track: boolean;
  json?: boolean;
}

async function openRun(ctx: CliContext, o: TrainOptions, input: DatasetInput | undefined): Promise<Run | undefined> {
  if (!o.track) return undefined;
  let ws;
  try {
    ws = ctx.workspace();
  } catch (e) {
    if (isSlipwayError(e, 'WORKSPACE_NOT_FOUND')) {
      process.stderr.write('note: not in a Slipway workspace, so no run is tracked (run `slipway init` to track runs)\n');
      return undefined;
    }
    throw e;
  }
  return startRun({
    experiment: o.experiment,
    kind: 'train',
    workspace: ws.root,
    db: await ctx.db(),
    store: ctx.store(),
    tags: { command: 'slipway train', model_spec: o.model },
    ...(input ? { inputs: [input] } : {}),
  });
}

/** `slipway train`: trains the model a model.yaml describes on DATA; writes the model folder, metrics JSON and a run. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a model described by model.yaml (layers + compile options) on a data folder, CSV or dataset version')
    .requiredOption('--model <file>', 'model.yaml: layers, compile, fit and preprocess sections')
    .requiredOption('--data <data>', 'an MNIST IDX folder, a CSV file (with --target), or a dataset version NAME[@N]')
    .option('--target <column>', 'the CSV target column (default: target)')
    .option('--epochs <n>', 'epochs (overrides model.yaml)')
    .option('--batch-size <n>', 'batch size (overrides model.yaml)')
    .option('--lr <x>', 'learning rate (overrides the optimizer in model.yaml)')
    .option('--seed <n>', 'seed for initialisation, shuffling and dropout', '42')
    .option('--out <dir>', 'where to write the model folder', 'model')
    .option('--metrics <file>', 'where to write the metrics JSON', 'metrics.json')
    .option('--experiment <name>', 'experiment of the tracked run', 'default')
    .option('--val-split <x>', 'fraction held out for validation, from the end (overrides model.yaml)')
    .option('--train-count <n>', 'train on the first N samples only (same as --range 0:N)')
    .option('--range <start:end>', 'train on rows START..END-1 (e.g. 0:8000)')
    .option('--no-track', 'do not record a run')
    .option('--json', 'print the final metrics as JSON')
    .addHelpText(
      'after',
      `
Examples:
  slipway train --model examples/mnist/model.yaml --data ../shared/data/mnist --train-count 8000 --epochs 3
  slipway train --model examples/breast-cancer/model.yaml --data breast_cancer.csv --target target --range 0:455
  slipway train --model model.yaml --data mnist@2 --out models/mnist`,
    )
    .action((o: TrainOptions) => runCommand((ctx) => train(ctx, o)));
}

async function train(ctx: CliContext, o: TrainOptions): Promise<number> {
  const specPath = resolve(ctx.cwd, o.model);
  if (!existsSync(specPath))
    throw new SlipwayError('PATH_NOT_FOUND', `${o.model} does not exist; give the model.yaml path`, { path: o.model });
  const spec = parseYamlWith(readFileSync(specPath, 'utf8'), o.model, modelSpecSchema);
  const data = await resolveDataArg(ctx, o.data);
  let run: Run | undefined;
  try {
    const td = await loadTrainingData(data.path, {
      ...(o.target ? { target: o.target } : {}),
      ...(rangeOption(o) ? { range: rangeOption(o)! } : {}),
    });
    const bars: { bar?: Progress; epochStart: number } = { epochStart: 0 };
    const r = await trainFromSpec(spec, td, {
      seed: Number(o.seed ?? 42),
      epochs: o.epochs ? positive(o.epochs, '--epochs') : undefined,
      batchSize: o.batchSize ? positive(o.batchSize, '--batch-size') : undefined,
      learningRate: o.lr ? positive(o.lr, '--lr') : undefined,
      validationSplit: o.valSplit !== undefined ? Number(o.valSplit) : undefined,
      source: o.data,
      start: async ({ epochs, batchSize, trainRows, batchesPerEpoch }) => {
        run = await openRun(ctx, o, data.input);
        return {
          run,
          callbacks: {
            onEpochBegin: (e) => {
              bars.epochStart = performance.now();
              bars.bar = progress(
                `epoch ${e + 1}/${epochs}`,
                batchesPerEpoch,
                `epoch ${e + 1}/${epochs} [{bar}] {value}/{total} | {sps} samples/s | loss {loss} | acc {acc}`,
              );
            },
            onBatchEnd: (b, logs) => {
              const sps = Math.round((Math.min(trainRows, (b + 1) * batchSize) * 1000) / Math.max(1, performance.now() - bars.epochStart));
              bars.bar?.update(b + 1, { sps, loss: (logs.loss ?? 0).toFixed(4), acc: (logs.accuracy ?? 0).toFixed(4) });
            },
            onEpochEnd: (e, logs) => {
              bars.bar?.stop();
              const sps = Math.round((trainRows * 1000) / Math.max(1, performance.now() - bars.epochStart));
              process.stderr.write(`epoch ${e + 1}/${epochs}: ${logLine(logs)}  (${sps} samples/s)\n`);
            },
          },
        };
      },
    });
    const { model, history, last, seconds, trainRows: trainN } = r;
    const outDir = resolve(ctx.cwd, o.out);
    await saveModel(model, outDir);
    const metrics = {
      ...last,
      epochs: history.epoch.length,
      samples: trainN,
      train_seconds: seconds,
      samples_per_second: (trainN * history.epoch.length) / seconds,
      history: history.history,
      model: outDir,
      ...(run ? { run: run.id } : {}),
    };
    const metricsPath = resolve(ctx.cwd, o.metrics);
    mkdirSync(dirname(metricsPath), { recursive: true });
    writeFileAtomic(metricsPath, `${JSON.stringify(metrics, null, 2)}\n`, dirname(metricsPath));
    if (run) {
      run.logMetrics({ train_seconds: seconds, samples_per_second: metrics.samples_per_second });
      await run.logArtifact(outDir, 'model');
      await run.end('FINISHED');
    }
    if (o.json) process.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`);
    else {
      process.stdout.write(`trained ${trainN} samples × ${history.epoch.length} epochs in ${seconds.toFixed(1)} s: ${logLine(last)}\n`);
      process.stdout.write(`model → ${outDir}\nmetrics → ${metricsPath}\n${run ? `run ${run.id}\n` : ''}`);
    }
    return 0;
  } catch (e) {
    if (run) await run.end('FAILED').catch(() => undefined);
    throw e;
  } finally {
    data.cleanup();
  }
}
