import type { Command } from 'commander';
import { existsSync, readFileSync, statSync, symlinkSync, rmSync } from 'node:fs';
import { ownedTempDir } from '../serving/owned-temp-dir.js';
import { basename, join, resolve } from 'node:path';
import { isSlipwayError, SlipwayError } from '../errors/index.js';
import { SERVING_DEFAULTS, startModelServer, type ModelSource } from '../serving/index.js';
import { driftSettings, parseWindow, workspaceRedactionSalt } from '../monitoring/index.js';
import { parseModelRef } from '../registry/index.js';
import { runCommand } from './run-command.js';
import { hasServeFlags, onStopSignal, serveInChild, stopWithParent } from './serve-process.js';
import { rolloutExtension } from './rollout-host.js';
import { style } from './output.js';
import type { KeyObject } from 'node:crypto';
import { readPublicKey } from '../registry/index.js';
import type { CliContext } from './context.js';
import type { SlipwayConfig } from '../config/index.js';

interface ServeFlags {
  restPort?: string;
  grpcPort?: string;
  grpc?: boolean;
  host?: string;
  batching?: boolean;
  maxBatchSize?: string;
  batchTimeoutMs?: string;
  bodyLimit?: string;
  sampleRate?: string;
  onnxWorkers?: string;
  insecure?: boolean;
}

function int(v: string | undefined, flag: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new SlipwayError('USAGE', `${flag} must be an integer ≥ ${min} (got "${v}").`);
  return n;
}

/** Turns CLI arguments into model sources: existing paths serve as folders (or .onnx files), the rest are registry refs. */
function sourcesOf(args: readonly string[], cleanups: (() => void)[]): ModelSource[] {
  return args.map((a) => {
    if (existsSync(a)) {
      const full = resolve(a);
      if (statSync(full).isFile()) {
        if (!full.endsWith('.onnx'))
          throw new SlipwayError(
            'USAGE',
            `${a} is a file but not an .onnx model; give a model folder, an .onnx file or a registry reference.`,
          );
        const dir = ownedTempDir('onnx');
        symlinkSync(full, join(dir, 'model.onnx'));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        return { name: basename(full, '.onnx'), dir, labels: ['production'] };
      }
      // A model bundled by `slipway build image` carries its registry name and version in slipway-model.json.
      const meta = join(full, 'slipway-model.json');
      if (existsSync(meta)) {
        const m = JSON.parse(readFileSync(meta, 'utf8')) as { name?: unknown; version?: unknown };
        if (typeof m.name === 'string' && Number.isInteger(m.version))
          return { name: m.name, dir: full, version: m.version as number, labels: ['production'] };
      }
      return { name: basename(full), dir: full, labels: ['production'] };
    }
    return { ref: parseModelRef(a) };
  });
}

/** The public keys trusted by serving.require_signature (paths relative to the workspace). */
function signatureKeys(ctx: CliContext, paths: readonly string[]): KeyObject[] {
  if (paths.length === 0)
    throw new SlipwayError('CONFIG_INVALID', 'serving.require_signature needs serving.signature_keys: the public key files (PEM) to trust');
  return paths.map((p) => readPublicKey(readFileSync(resolve(ctx.workspace().root, p))));
}

function tryConfig(ctx: CliContext): SlipwayConfig | undefined {
  try {
    return ctx.config();
  } catch (e) {
    if (isSlipwayError(e, 'WORKSPACE_NOT_FOUND')) return undefined;
    throw e;
  }
}

/** `slipway serve [MODEL[:ALIAS|@N]|PATH …]`: the model server (TF Serving REST + gRPC, Open Inference v2). */
export function registerServe(program: Command): void {
  program
    .command('serve [models...]')
    .description('serve models over TF Serving REST (8501) and gRPC (8500) and Open Inference v2; registry refs follow their alias live')
    .option('--rest-port <n>', 'REST port (default 8501, or serving.rest_port)')
    .option('--grpc-port <n>', 'gRPC port (default 8500, or serving.grpc_port)')
    .option('--no-grpc', 'do not start the gRPC server')
    .option('--host <addr>', 'interface to bind (default 127.0.0.1; 0.0.0.0 for all)')
    .option('--batching', 'turn dynamic batching on')
    .option('--max-batch-size <n>', 'rows per batch with --batching (default 32)')
    .option('--batch-timeout-ms <n>', 'longest a request waits for a batch to fill (default 2)')
    .option('--body-limit <bytes>', 'largest request body (default 16 MiB)')
    .option('--sample-rate <r>', 'fraction of predictions logged (default 1, or monitoring.sample_rate)')
    .option('--onnx-workers <n>', 'run ONNX sessions in N worker threads (default 1; 0 runs them on the event loop)')
    .option('--insecure', 'listen beyond loopback without authentication (feedback and monitoring open to anyone)')
    .addHelpText(
      'after',
      `
MODEL is a registry reference: NAME (alias production), NAME:ALIAS, NAME@VERSION (or @vN, :vN) or NAME@latest; or a model folder / .onnx file.
Examples:
  slipway serve mnist                          # mnist:production, hot-swapped when the alias moves
  slipway serve mnist mnist:staging --batching  # two labels of one model, dynamic batching on
  slipway serve ./model --rest-port 9000 --no-grpc
  curl -H 'content-type: application/json' -d '{"instances": [[...784 floats...]]}' http://127.0.0.1:8501/v1/models/mnist:predict`,
    )
    .action((models: string[], flags: ServeFlags) =>
      runCommand(async (ctx) => {
        if (!hasServeFlags(process.execArgv, process.env)) return serveInChild();
        const cfg = tryConfig(ctx);
        const sc = cfg?.serving;
        const mc = cfg?.monitoring;
        const args = models.length > 0 ? models : (sc?.models ?? []);
        if (args.length === 0)
          throw new SlipwayError(
            'USAGE',
            'name at least one model to serve (e.g. `slipway serve mnist`), or list them under serving.models in slipway.yaml.',
          );
        const cleanups: (() => void)[] = [];
        const sources = sourcesOf(args, cleanups);
        const needsWorkspace = sources.some((s) => s.ref !== undefined);
        const db = cfg ? await ctx.db() : undefined;
        if (needsWorkspace && !db)
          throw new SlipwayError(
            'WORKSPACE_NOT_FOUND',
            'registry references need a workspace; run inside one (slipway init) or serve a model folder.',
          );
        const batchingOn = flags.batching || flags.maxBatchSize !== undefined || sc?.batching !== undefined;
        const sampleRate = flags.sampleRate !== undefined ? Number(flags.sampleRate) : mc?.sample_rate;
        if (sampleRate !== undefined && !(sampleRate >= 0 && sampleRate <= 1))
          throw new SlipwayError('USAGE', `--sample-rate must be between 0 and 1 (got "${flags.sampleRate}").`);
        const server = await startModelServer({
          db,
          store: cfg ? ctx.store() : undefined,
          models: sources,
          restPort: int(flags.restPort, '--rest-port') ?? sc?.rest_port ?? SERVING_DEFAULTS.restPort,
          grpcPort: flags.grpc === false ? null : (int(flags.grpcPort, '--grpc-port') ?? (sc ? sc.grpc_port : SERVING_DEFAULTS.grpcPort)),
          host: flags.host ?? sc?.host ?? SERVING_DEFAULTS.host,
          bodyLimit: int(flags.bodyLimit, '--body-limit', 1) ?? sc?.body_limit,
          batching: batchingOn
            ? {
                maxBatchSize:
                  int(flags.maxBatchSize, '--max-batch-size', 1) ?? sc?.batching?.max_batch_size ?? SERVING_DEFAULTS.maxBatchSize,
                maxQueueDelayMs:
                  int(flags.batchTimeoutMs, '--batch-timeout-ms') ?? sc?.batching?.max_queue_delay_ms ?? SERVING_DEFAULTS.maxQueueDelayMs,
              }
            : undefined,
          pollIntervalMs: sc?.poll_interval_ms,
          runtime: flags.onnxWorkers !== undefined ? { onnxWorkers: int(flags.onnxWorkers, '--onnx-workers') } : undefined,
          insecure: flags.insecure,
          requireSignature: sc?.require_signature ? { keys: signatureKeys(ctx, sc.signature_keys) } : undefined,
          access: {
            legacyToken: ctx.settings.token,
            predictNeedsToken: sc?.auth.predict === 'required',
            corsOrigins: sc?.cors_origins,
          },
          timeouts: sc?.timeouts
            ? {
                connectionMs: sc.timeouts.connection_ms,
                requestMs: sc.timeouts.request_ms,
                headersMs: sc.timeouts.headers_ms,
                keepAliveMs: sc.timeouts.keep_alive_ms,
              }
            : undefined,
          monitoring: {
            sampleRate,
            redact: mc?.redact,
            redactionSalt: cfg ? workspaceRedactionSalt(ctx.workspace().stateDir) : undefined,
            retentionMs: mc?.retention ? parseWindow(mc.retention) : undefined,
            logInputs: mc?.log_inputs,
            drift: driftSettings(mc),
          },
          // Deployments: the rollout controller and its API run inside this server, steering its traffic.
          allowSignatureChange: (m) => Object.values(cfg?.deployments ?? {}).some((d) => d.model === m && d.allow_signature_change),
          extend:
            cfg && db
              ? rolloutExtension(db, ctx.store(), ctx.workspace().root, ctx.workspace().stateDir, cfg, (line) =>
                  process.stderr.write(`${style.cyan('rollout')} ${line}\n`),
                )
              : undefined,
          onEvent: (e) =>
            process.stderr.write(
              e.kind === 'swap'
                ? `${style.green('swap')} ${e.model}:${e.label} ${e.from ?? '-'} → ${e.to}\n`
                : e.kind === 'plan'
                  ? `${style.cyan('traffic')} ${e.model}: canary ${e.to ?? 'none'}\n`
                  : `${style.yellow('warning')}: ${e.model}:${e.label ?? ''} version ${e.to ?? '?'} is not served: ${e.error}\n`,
            ),
        });
        const host = flags.host ?? sc?.host ?? SERVING_DEFAULTS.host;
        const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
        const lines = [`${style.bold('Slipway model server')}`];
        for (const name of server.models.names()) {
          const d = server.models.describe(name);
          const labels = Object.entries(d.labels)
            .map(([l, v]) => `${l}→${v}`)
            .join(', ');
          lines.push(`  model ${style.cyan(name)} versions ${d.versions.join(', ')}${labels ? ` (${labels})` : ''}`);
          lines.push(`    REST  POST http://${shown}:${server.restPort}/v1/models/${name}:predict`);
          lines.push(`    v2    POST http://${shown}:${server.restPort}/v2/models/${name}/infer`);
        }
        if (server.grpcPort !== null)
          lines.push(
            `  gRPC  ${shown}:${server.grpcPort} (tensorflow.serving.PredictionService, ModelService, inference.GRPCInferenceService)`,
          );
        lines.push(
          `  metrics http://${shown}:${server.restPort}/metrics${db ? `   feedback POST http://${shown}:${server.restPort}/v1/feedback` : ''}`,
        );
        lines.push(style.dim('Ctrl-C drains in-flight requests and stops.'));
        // Signal handlers first (the executor runs now): a client that starts on the printed endpoints may stop the
        // server at once. They stay after the drain: the forwarded copy of a Ctrl-C can come after an idle server closed.
        const finished = new Promise<void>((done) => {
          let stopping = false;
          const stop = (): void => {
            if (stopping) return;
            stopping = true;
            process.stderr.write('stopping: draining in-flight requests…\n');
            void server.close().finally(done);
          };
          onStopSignal(stop);
          stopWithParent(stop);
        });
        process.stdout.write(`${lines.join('\n')}\n`);
        await finished;
        for (const c of cleanups) c();
        return 0;
      }),
    );
}
