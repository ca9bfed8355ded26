import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { SlipwayError } from '../errors/index.js';
import {
  attributionSvg,
  explainModel,
  loadExplainable,
  readExplainInput,
  saliencyPng,
  type ExplainMethod,
  type Explanation,
} from '../explain/index.js';
import { checkoutModelVersion } from '../registry/index.js';
import type { CliContext } from './context.js';
import { formatNumber, printJson, style, table } from './output.js';
import { runCommand } from './run-command.js';

interface ExplainCliOptions {
  method?: string;
  target?: string;
  row?: string;
  steps?: string;
  samples?: string;
  seed?: string;
  baseline?: string;
  png?: string;
  svg?: string;
  json?: boolean;
}

const METHODS: Record<string, ExplainMethod> = {
  ig: 'integrated_gradients',
  integrated_gradients: 'integrated_gradients',
  kernelshap: 'kernel_shap',
  kernel_shap: 'kernel_shap',
  shap: 'kernel_shap',
};

function int(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const v = Number(s);
  if (!Number.isInteger(v) || v < 0) throw new SlipwayError('EXPLAIN_INVALID', `${flag} ${s} is not a non-negative integer`, {});
  return v;
}

/** A model folder or .onnx file on disk, else a registry reference checked out to a temp folder. */
async function modelDir(ctx: CliContext, model: string): Promise<{ dir: string; label: string; cleanup: () => void }> {
  const p = resolve(ctx.cwd, model);
  if (existsSync(p)) return { dir: statSync(p).isDirectory() ? p : dirname(p), label: model, cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'slipway-explain-'));
  try {
    const mv = await checkoutModelVersion(await ctx.db(), ctx.store(), model, dir);
    return { dir, label: `${mv.name}@${mv.version}`, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The explanation for people: the prediction, then the features that moved it most. */
export function explanationText(e: Explanation, model: string): string {
  const what = e.label ?? `output ${e.target}`;
  const head = [
    `${style.bold(model)}: ${what} ${formatNumber(e.value)} (baseline ${formatNumber(e.baselineValue)}), ${e.method.replace('_', ' ')}`,
    `  attributions sum to ${formatNumber(e.value - e.baselineValue + e.completenessGap)} (f(x) − f(baseline) = ${formatNumber(e.value - e.baselineValue)})`,
  ];
  if (!e.features) return head.join('\n');
  const rows = e.features
    .slice(0, 10)
    .map((f) => [
      f.name,
      formatNumber(f.value),
      f.attribution >= 0 ? style.red(`+${formatNumber(f.attribution)}`) : style.cyan(formatNumber(f.attribution)),
    ]);
  return [...head, '', table(['FEATURE', 'VALUE', `TOWARDS ${what.toUpperCase()}`], rows)].join('\n');
}

/** `slipway explain MODEL INPUT`: why the model decided, as attributions, JSON and a picture. */
export function registerExplain(program: Command): void {
  program
    .command('explain <model> <input>')
    .description('attribute a prediction to its inputs: integrated gradients (engine models) or KernelSHAP (any model, ONNX too)')
    .option('--method <m>', 'ig (integrated gradients; engine models, the default) or kernelshap (any model)')
    .option('--target <class>', 'the output to explain (default: the predicted class)')
    .option('--row <n>', 'the CSV row or IDX image to explain (default 0)', '0')
    .option('--steps <n>', 'integrated-gradients steps (default 50)')
    .option('--samples <n>', 'KernelSHAP coalitions (default 2048)')
    .option('--seed <n>', 'KernelSHAP seed (default 0)')
    .option('--baseline <b>', 'zeros, or mean (of the CSV’s rows; the default for CSV input)')
    .option('--png <file>', 'write a saliency overlay (image inputs)')
    .option('--svg <file>', 'write an attribution bar chart (tabular inputs)')
    .option('--json', 'print the explanation as JSON')
    .addHelpText(
      'after',
      `
MODEL is a registry reference (name@N, name:alias) or a model folder / .onnx file; INPUT a CSV file (--row picks
the row), an IDX image file (--row picks the image) or JSON (a row, rows, or {"instances": [...]}).

Examples:
  slipway explain breast-cancer:production patients.csv --row 12 --svg why.svg
  slipway explain mnist@3 t10k-images-idx3-ubyte.gz --row 0 --png saliency.png
  slipway explain ./model.onnx '[[5.1, 3.5, 1.4, 0.2]]' --method kernelshap --json`,
    )
    .action((model: string, input: string, opts: ExplainCliOptions) =>
      runCommand(async (ctx) => {
        const method = opts.method === undefined ? undefined : METHODS[opts.method];
        if (opts.method !== undefined && !method)
          throw new SlipwayError('EXPLAIN_INVALID', `unknown method "${opts.method}"; use ig or kernelshap`, {});
        const src = await modelDir(ctx, model);
        try {
          const m = await loadExplainable(src.dir);
          try {
            const size = m.rowShape.reduce((a, b) => a * b, 1);
            const path = resolve(ctx.cwd, input);
            const inp = await readExplainInput(existsSync(path) ? path : input, int(opts.row, '--row') ?? 0, size);
            const baselineKind = opts.baseline ?? (inp.mean ? 'mean' : 'zeros');
            if (baselineKind !== 'zeros' && baselineKind !== 'mean')
              throw new SlipwayError('EXPLAIN_INVALID', `--baseline ${baselineKind}: use zeros or mean`, {});
            if (baselineKind === 'mean' && !inp.mean) throw new SlipwayError('EXPLAIN_INVALID', '--baseline mean needs a CSV input', {});
            const explanations = await explainModel(m, inp.rows, inp.n, {
              method,
              target: int(opts.target, '--target'),
              steps: int(opts.steps, '--steps'),
              samples: int(opts.samples, '--samples'),
              seed: int(opts.seed, '--seed'),
              baseline: baselineKind === 'mean' ? inp.mean : undefined,
              featureNames: inp.featureNames,
            });
            const first = explanations[0]!;
            if (opts.png !== undefined) {
              if (m.rowShape.length < 2)
                throw new SlipwayError('EXPLAIN_INVALID', '--png draws image inputs; use --svg for a table row', {});
              const [h, w] = [m.rowShape[0]!, m.rowShape[1]!];
              const c = size / (h * w);
              // Channels are summed: one saliency per pixel.
              const px = (arr: ArrayLike<number>): Float32Array =>
                Float32Array.from({ length: h * w }, (_, i) => {
                  let s = 0;
                  for (let k = 0; k < c; k++) s += arr[i * c + k]!;
                  return s;
                });
              writeFileSync(resolve(ctx.cwd, opts.png), saliencyPng(px(inp.rows.subarray(0, size)), px(first.attributions), w, h));
            }
            if (opts.svg !== undefined) {
              if (!first.features) throw new SlipwayError('EXPLAIN_INVALID', '--svg charts a table row; use --png for images', {});
              writeFileSync(
                resolve(ctx.cwd, opts.svg),
                attributionSvg(
                  first.features,
                  `${src.label}: why ${first.label ?? `output ${first.target}`} (${formatNumber(first.value)})`,
                ),
              );
            }
            if (opts.json) printJson(explanations.length === 1 ? { model: src.label, ...first } : { model: src.label, explanations });
            else process.stdout.write(`${explanations.map((e) => explanationText(e, src.label)).join('\n\n')}\n`);
          } finally {
            await m.close();
          }
        } finally {
          src.cleanup();
        }
        return 0;
      }),
    );
}
