import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ONNX_IR_VERSION, ONNX_OPSET, writeOnnx } from '../engine/onnx/export-onnx.js';
import { SlipwayError } from '../errors/index.js';
import { formatBytes, printJson } from './output.js';
import { runCommand } from './run-command.js';

/** `slipway export --model DIR --format onnx [-o FILE]`: convert a saved model folder to another format. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export a saved model folder (model.json + weights.bin) to ONNX, runnable by onnxruntime anywhere')
    .requiredOption('--model <dir>', 'the model folder (written by saveModel, `slipway train` or `slipway models pull`)')
    .option('--format <format>', 'output format (onnx)', 'onnx')
    .option('-o, --output <file>', 'where to write the exported file', 'model.onnx')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  slipway export --model out/model --format onnx -o mnist.onnx\n  slipway export --model out/model --json',
    )
    .action((opts: { model: string; format: string; output: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        if (opts.format !== 'onnx') {
          throw new SlipwayError('USAGE', `unknown export format '${opts.format}'; the supported format is onnx`, { format: opts.format });
        }
        const modelDir = resolve(ctx.cwd, opts.model);
        const out = resolve(ctx.cwd, opts.output);
        const bytes = await writeOnnx(modelDir, out);
        const result = { format: 'onnx', file: out, bytes, opset: ONNX_OPSET, irVersion: ONNX_IR_VERSION };
        if (opts.json) printJson(result);
        else
          process.stdout.write(`Exported ${modelDir} to ${out} (ONNX opset ${ONNX_OPSET}, IR ${ONNX_IR_VERSION}, ${formatBytes(bytes)})\n`);
      }),
    );
}
