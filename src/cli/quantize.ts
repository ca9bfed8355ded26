import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { quantizeVersion } from '../deploy/quantize-version.js';
import { SlipwayError } from '../errors/index.js';
import { runGates } from '../gates/index.js';
import type { CliContext } from './context.js';
import { formatBytes, printJson } from './output.js';
import { runCommand } from './run-command.js';

interface QuantizeFlags {
  calibration: string;
  eval?: string;
  samples?: string;
  maxDrop?: string;
  target?: string;
  output?: string;
  json?: boolean;
}

/** `slipway quantize MODEL --calibration DATASET`: int8 post-training quantisation as a new, gated model version. */
export function registerQuantize(program: Command): void {
  program
    .command('quantize <model>')
    .description(
      'quantise a model version to int8 (ONNX QDQ), calibrated on a dataset, and register it as a new version if it keeps its accuracy',
    )
    .requiredOption('--calibration <dataset>', 'calibration data: a dataset version (name@N) or a workspace path (CSV, IDX folder)')
    .option('--eval <dataset>', 'held-out data for the accuracy-drop rule (default: the calibration data)')
    .option('--samples <n>', 'calibration rows (default 256)')
    .option('--max-drop <x>', 'largest accuracy drop against the parent (default 0.01)')
    .option('--target <target>', 'embedded: also write the int8 model to -o FILE with a size/latency/accuracy report')
    .option('-o, --output <file>', 'where --target embedded writes the model (default MODEL-int8.onnx)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
The new version records its parent (params.quantized_from), the calibration data and its size; the gates declared
for the model in slipway.yaml run on it. Exit 1 when the accuracy drop or a gate fails.
Examples:
  slipway quantize mnist@3 --calibration mnist-train@2 --eval mnist-test@2
  slipway quantize mnist:production --calibration data/mnist --max-drop 0.005 --target embedded -o mnist-int8.onnx`,
    )
    .action((model: string, opts: QuantizeFlags) =>
      runCommand(async (ctx: CliContext) => {
        const num = (v: string | undefined, flag: string): number | undefined => {
          if (v === undefined) return undefined;
          const n = Number(v);
          if (!Number.isFinite(n) || n < 0)
            throw new SlipwayError('USAGE', `${flag} must be a number ≥ 0 (got "${v}")`, { what: flag, why: v });
          return n;
        };
        if (opts.target !== undefined && opts.target !== 'embedded')
          throw new SlipwayError('USAGE', `unknown target '${opts.target}'; quantize knows embedded`, {
            what: '--target',
            why: opts.target,
          });
        const root = ctx.workspace().root;
        const tmpDir = join(root, '.slipway', 'tmp');
        mkdirSync(tmpDir, { recursive: true });
        const db = await ctx.db();
        const store = ctx.store();
        const outFile =
          opts.target === 'embedded' ? resolve(ctx.cwd, opts.output ?? `${model.replace(/[@:].*$/, '')}-int8.onnx`) : undefined;
        const r = await quantizeVersion(db, store, {
          ref: model,
          calibration: opts.calibration,
          evaluation: opts.eval,
          samples: num(opts.samples, '--samples'),
          maxDrop: num(opts.maxDrop, '--max-drop'),
          root,
          tmpDir,
          outFile,
        });
        const gates =
          r.version && ctx.config().gates[r.version.name]
            ? await runGates(db, store, { ref: r.version, gates: ctx.config().gates, root })
            : null;
        const ok = r.passed && (gates?.passed ?? true);
        if (opts.json) {
          printJson({ ...r, version: r.version ? `${r.version.name}@${r.version.version}` : null, gates });
          return ok ? 0 : 1;
        }
        const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
        const lines = [
          `int8 of ${r.parent}, calibrated on ${r.calibration.samples} rows of ${r.calibration.source}; evaluated on ${r.evaluation.rows} rows of ${r.evaluation.source}`,
          `  fp32: ${formatBytes(r.fp32.bytes)}, accuracy ${pct(r.fp32.accuracy)}, batch-1 latency ${r.fp32.latencyMs.toFixed(3)} ms`,
          `  int8: ${formatBytes(r.int8.bytes)} (${((r.int8.bytes / r.fp32.bytes) * 100).toFixed(1)}% of fp32), accuracy ${pct(r.int8.accuracy)}, batch-1 latency ${r.int8.latencyMs.toFixed(3)} ms`,
          `  accuracy drop ${(r.accuracyDrop * 100).toFixed(2)} points (max ${(r.maxDrop * 100).toFixed(2)}): ${r.passed ? 'pass' : 'FAIL — not registered'}`,
        ];
        if (r.version) lines.push(`Registered ${r.version.name}@${r.version.version} (parent ${r.parent})`);
        if (gates)
          lines.push(
            `gates: ${gates.passed ? 'passed' : 'FAILED'} (slipway gates run ${r.version!.name}@${r.version!.version} for the report)`,
          );
        if (r.outFile) lines.push(`wrote ${r.outFile}`);
        process.stdout.write(`${lines.join('\n')}\n`);
        return ok ? 0 : 1;
      }),
    );
}
