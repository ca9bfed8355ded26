import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadModel } from '../engine/model-io.js';
import { argmaxRows, classificationReport } from '../engine/metrics/classification.js';
import { loadTrainingData } from '../engine/training-data.js';
import { SlipwayError } from '../errors/index.js';
import { writeFileAtomic } from '../store/index.js';
import { formatNumber, printJson, table } from './output.js';
import { runCommand } from './run-command.js';
import { rangeOption, resolveDataArg } from './data-arg.js';

interface EvaluateOptions {
  model: string;
  data: string;
  target?: string;
  range?: string;
  out?: string;
  json?: boolean;
}

/** `slipway evaluate`: accuracy, loss, per-class and macro precision/recall/F1 and the confusion matrix of a saved model. */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate a saved model on labelled data: accuracy, loss, precision/recall/F1 per class and macro, confusion matrix')
    .requiredOption('--model <dir>', 'the model folder (model.json + weights.bin) written by `slipway train`')
    .requiredOption('--data <data>', 'an MNIST IDX folder, a CSV file (with --target), or a dataset version NAME[@N]')
    .option('--target <column>', 'the CSV target column (default: target)')
    .option('--range <start:end>', 'evaluate rows START..END-1 only (e.g. 8000: for the last 2,000 t10k images)')
    .option('--out <file>', 'write the metrics JSON here')
    .option('--json', 'print the metrics as JSON')
    .addHelpText(
      'after',
      `
Examples:
  slipway evaluate --model model --data ../shared/data/mnist --range 8000: --out eval.json
  slipway evaluate --model model --data breast_cancer.csv --target target --range 455: --json`,
    )
    .action((o: EvaluateOptions) =>
      runCommand(async (ctx) => {
        const model = await loadModel(resolve(ctx.cwd, o.model));
        const data = await resolveDataArg(ctx, o.data);
        try {
          const range = rangeOption(o);
          const td = await loadTrainingData(data.path, { ...(o.target ? { target: o.target } : {}), ...(range ? { range } : {}) });
          if (!td.y) throw new SlipwayError('DATA_FORMAT_INVALID', `${o.data} has no labels to evaluate against`, {});
          const t0 = performance.now();
          const pred = model.predict(td.x);
          const seconds = (performance.now() - t0) / 1000;
          const n = td.x.shape[0]!;
          const k = pred.data.length / n;
          let yPred: Int32Array;
          let classes = k;
          if (k === 1) {
            const thr = model.compiled?.loss.fromLogits ? 0 : 0.5;
            yPred = Int32Array.from(pred.data, (v) => (v > thr ? 1 : 0));
            classes = 2;
          } else yPred = argmaxRows(pred.data, n, k);
          const yTrue = Int32Array.from(td.y.data);
          const labels = model.classLabels && model.classLabels.length === classes ? model.classLabels : undefined;
          const report = classificationReport(yTrue, yPred, classes, labels);
          const loss = model.compiled ? model.evaluate(td.x, td.y).loss : undefined;
          const metrics = { ...report, ...(loss !== undefined ? { loss } : {}), predict_seconds: seconds };
          if (o.out) {
            const p = resolve(ctx.cwd, o.out);
            mkdirSync(dirname(p), { recursive: true });
            writeFileAtomic(p, `${JSON.stringify(metrics, null, 2)}\n`);
          }
          if (o.json) {
            printJson(metrics);
            return 0;
          }
          process.stdout.write(
            `${n} samples: accuracy ${formatNumber(report.accuracy)}${loss !== undefined ? `  loss ${formatNumber(loss)}` : ''}  macro F1 ${formatNumber(report.macro.f1)}\n\n`,
          );
          const rows = report.perClass.map((c) => [c.label, c.precision, c.recall, c.f1, c.support]);
          rows.push(['macro', report.macro.precision, report.macro.recall, report.macro.f1, report.count]);
          process.stdout.write(`${table(['class', 'precision', 'recall', 'f1', 'support'], rows)}\n\nconfusion (rows = truth):\n`);
          process.stdout.write(
            `${table(
              ['', ...report.labels],
              report.confusion.map((r, i) => [report.labels[i], ...r]),
            )}\n`,
          );
          return 0;
        } finally {
          data.cleanup();
        }
      }),
    );
}
