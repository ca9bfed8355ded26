import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { exportWebBundle } from '../deploy/edge-bundle.js';
import { ONNX_IR_VERSION, ONNX_OPSET, writeOnnx } from '../engine/onnx/export-onnx.js';
import { SlipwayError } from '../errors/index.js';
import { checkoutModelVersion } from '../registry/index.js';
import type { CliContext } from './context.js';
import { formatBytes, printJson } from './output.js';
import { runCommand } from './run-command.js';

interface ExportFlags {
  model?: string;
  format: string;
  target?: string;
  output?: string;
  json?: boolean;
}

/** A model folder for MODEL: an existing folder as is, else a registry reference checked out into a temp folder. */
async function modelFolder(
  ctx: CliContext,
  ref: string,
  cleanups: (() => void)[],
): Promise<{ dir: string; name: string; version?: number }> {
  const asPath = resolve(ctx.cwd, ref);
  if (existsSync(asPath)) return { dir: asPath, name: basename(asPath) };
  const tmp = mkdtempSync(join(tmpdir(), 'slipway-export-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const mv = await checkoutModelVersion(await ctx.db(), ctx.store(), ref, tmp);
  return { dir: tmp, name: mv.name, version: mv.version };
}

/** `slipway export [MODEL] --target web -o DIR` and `slipway export --model DIR --format onnx [-o FILE]`. */
export function registerExport(program: Command): void {
  program
    .command('export [model]')
    .description('export a model: to ONNX (runnable by onnxruntime anywhere) or, with --target web, to a static browser bundle')
    .option('--model <dir>', 'the model folder (written by saveModel, `slipway train` or `slipway models pull`)')
    .option('--format <format>', 'output format for the cloud target (onnx)', 'onnx')
    .option('--target <target>', 'cloud (a model file) or web (a folder with index.html, model.js, the model and onnxruntime-web)', 'cloud')
    .option('-o, --output <path>', 'where to write: a file for onnx (default model.onnx), a new folder for web (default NAME-web)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
MODEL is a registry reference (NAME, NAME@N, NAME:ALIAS) or a model folder.
Examples:
  slipway export --model out/model --format onnx -o mnist.onnx
  slipway export mnist@3 --target web -o site/mnist     # then serve site/mnist with any static server
  slipway export mnist:production --target web --json`,
    )
    .action((model: string | undefined, opts: ExportFlags) =>
      runCommand(async (ctx) => {
        const ref = model ?? opts.model;
        if (!ref)
          throw new SlipwayError('USAGE', 'name the model to export: slipway export MODEL (a registry reference or folder) or --model DIR');
        if (opts.target !== 'cloud' && opts.target !== 'web')
          throw new SlipwayError('USAGE', `unknown export target '${opts.target}'; the targets are cloud and web`, { target: opts.target });
        if (opts.target === 'cloud' && opts.format !== 'onnx') {
          throw new SlipwayError('USAGE', `unknown export format '${opts.format}'; the supported format is onnx`, { format: opts.format });
        }
        const cleanups: (() => void)[] = [];
        try {
          if (opts.target === 'web') {
            const src = await modelFolder(ctx, ref, cleanups);
            const outDir = resolve(ctx.cwd, opts.output ?? `${src.name}-web`);
            const b = await exportWebBundle({ modelDir: src.dir, outDir, name: src.name, version: src.version });
            if (opts.json) printJson({ target: 'web', ...b });
            else
              process.stdout.write(
                `Wrote a web bundle of ${src.name}${src.version ? `@${src.version}` : ''} to ${outDir} (${b.files.length} files, ${formatBytes(b.totalBytes)}); open index.html through any static server\n`,
              );
            return;
          }
          const modelDir = model ? (await modelFolder(ctx, ref, cleanups)).dir : resolve(ctx.cwd, ref);
          const out = resolve(ctx.cwd, opts.output ?? 'model.onnx');
          const bytes = await writeOnnx(modelDir, out);
          const result = { format: 'onnx', file: out, bytes, opset: ONNX_OPSET, irVersion: ONNX_IR_VERSION };
          if (opts.json) printJson(result);
          else
            process.stdout.write(
              `Exported ${modelDir} to ${out} (ONNX opset ${ONNX_OPSET}, IR ${ONNX_IR_VERSION}, ${formatBytes(bytes)})\n`,
            );
        } finally {
          for (const c of cleanups) c();
        }
      }),
    );
}
