import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { registerModelSigning } from './models-signing.js';
import { SlipwayError } from '../errors/index.js';
import {
  registerModel,
  listModels,
  listVersions,
  listAliases,
  resolveModelRef,
  diffVersions,
  setAlias,
  aliasHistory,
  rollbackAlias,
  parseModelRef,
  type ModelFormat,
  type ModelVersion,
  type RegisterModelOptions,
  type WebhookDelivery,
} from '../registry/index.js';
import { loadPipeline, pipelineEnv, readMetricsFile, stageOutputSource } from '../pipeline/index.js';
import { latestGateReport, promoteWithGates, type GateReport } from '../gates/index.js';
import type { CliContext } from './context.js';
import { formatNumber, printJson, style, table } from './output.js';
import { runCommand } from './run-command.js';
import { cliActor, gateReportText } from './gates.js';

/** Aliases of `model` that a model server follows: production (the default), deployments' stable aliases, serving.models refs. */
function followedAliases(config: ReturnType<CliContext['config']>, model: string): Set<string> {
  const out = new Set(['production']);
  for (const d of Object.values(config.deployments ?? {})) if (d.model === model) out.add(d.stable);
  for (const ref of config.serving?.models ?? []) {
    const m = /^([^:@/]+):([A-Za-z][A-Za-z0-9._-]*)$/.exec(ref);
    if (m && m[1] === model) out.add(m[2]!);
  }
  return out;
}

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const sig = (v: ModelVersion): string =>
  `${v.signature.inputs.map((t) => `${t.name}:${t.dtype}[${t.shape.join(',')}]`).join(' ')} → ${v.signature.outputs
    .map((t) => `${t.name}:${t.dtype}[${t.shape.join(',')}]`)
    .join(' ')}`;
const warnWebhook = (d: WebhookDelivery): void => {
  process.stderr.write(`${style.yellow('warning')}: webhook ${d.url} failed (${d.error}); the alias moved anyway\n`);
};

function versionText(v: ModelVersion, aliases: string[], report: GateReport | undefined): string {
  const lines = [
    `${style.bold(`${v.name}@${v.version}`)}${aliases.length ? `  (${aliases.join(', ')})` : ''}`,
    `  format      ${v.format}`,
    `  tree        ${v.treeHash}`,
    `  signature   ${sig(v)}`,
    `  created     ${when(v.createdAt)}`,
    `  source      ${v.lineage.run ? `run ${v.lineage.run.id} (code ${v.lineage.run.commit ?? 'unknown'}${v.lineage.run.dirty ? ', dirty' : ''})` : (v.lineage.path ?? '')}`,
  ];
  if (v.description) lines.push(`  description ${v.description}`);
  if (v.lineage.datasets.length) lines.push(`  data        ${v.lineage.datasets.map((d) => `${d.dataset}@${d.version}`).join(', ')}`);
  if (Object.keys(v.metrics).length) lines.push('', style.bold('Metrics'), table(['KEY', 'VALUE'], Object.entries(v.metrics)));
  if (Object.keys(v.params).length) lines.push('', style.bold('Params'), table(['KEY', 'VALUE'], Object.entries(v.params)));
  if (report) lines.push('', gateReportText(report));
  return lines.join('\n');
}

/** `slipway models …`: register, list, show, diff, alias, history, rollback, promote. */
export function registerModels(program: Command): void {
  const models = program.command('models').description('the model registry: versions, aliases, promotion through gates');
  registerModelSigning(models);
  addRegisterCommand(models);
  addListCommand(models);
  addShowCommand(models);
  addDiffCommand(models);
  addAliasCommand(models);
  addHistoryCommand(models);
  addRollbackCommand(models);
  addPromoteCommand(models);
}

/** `slipway models register <name>`. */
function addRegisterCommand(models: Command): void {
  models
    .command('register <name>')
    .description('register a new version of NAME from a run’s "model" artifact or a model folder / ONNX file')
    .option('--from <run-or-path>', 'a run id, or a path to a model folder (model.json + weights.bin) or an .onnx file')
    .option('--from-stage <stage>', 'a pipeline stage’s output as slipway.lock records it (links the stage run, commit and data)')
    .option('--out <path>', 'with --from-stage: which output, when the stage has several')
    .option('--format <format>', 'slipway or onnx (detected when omitted)')
    .option('--description <text>', 'a description of this version')
    .option('--metrics <file>', 'a metrics JSON file (e.g. from `slipway evaluate`) whose numbers become the version’s metrics')
    .option('--json', 'print the version as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  slipway models register mnist --from 01JD5V3Q9X… --metrics metrics.json\n  slipway models register resnet --from ./resnet18.onnx\n  slipway models register breast-cancer --from-stage train --metrics metrics/eval.json',
    )
    .action(
      (
        name: string,
        opts: { from?: string; fromStage?: string; out?: string; format?: string; description?: string; metrics?: string; json?: boolean },
      ) =>
        runCommand(async (ctx: CliContext) => {
          if (opts.format !== undefined && opts.format !== 'slipway' && opts.format !== 'onnx')
            throw new SlipwayError('USAGE', `--format must be slipway or onnx (got "${opts.format}")`);
          if ((opts.from === undefined) === (opts.fromStage === undefined))
            throw new SlipwayError('USAGE', 'give exactly one of --from RUN_OR_PATH and --from-stage STAGE');
          let from: RegisterModelOptions['from'];
          if (opts.fromStage !== undefined) {
            const ws = ctx.workspace();
            const env = pipelineEnv(ws, await ctx.db(), ctx.store());
            try {
              from = { stage: await stageOutputSource(env, loadPipeline(ws.root), opts.fromStage, opts.out) };
            } finally {
              env.close();
            }
          } else {
            const path = resolve(ctx.cwd, opts.from!);
            from = existsSync(path) ? { path } : { runId: opts.from! };
          }
          const v = await registerModel(await ctx.db(), ctx.store(), {
            name,
            from,
            format: opts.format as ModelFormat | undefined,
            description: opts.description,
            metrics: opts.metrics === undefined ? undefined : readMetricsFile(resolve(ctx.cwd, opts.metrics), { required: true }),
          });
          if (opts.json) printJson(v);
          else process.stdout.write(`Registered ${style.bold(`${v.name}@${v.version}`)} (${v.format}, ${sig(v)})\n`);
        }),
    );
}

/** `slipway models list`. */
function addListCommand(models: Command): void {
  models
    .command('list')
    .description('list registered models with their latest version and aliases')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      runCommand(async (ctx) => {
        const list = await listModels(await ctx.db());
        if (opts.json) return printJson(list);
        if (list.length === 0) return void process.stdout.write('no models registered (see `slipway models register --help`)\n');
        const rows = list.map((m) => [
          m.name,
          m.versions,
          m.latestVersion ?? '',
          Object.entries(m.aliases)
            .map(([a, v]) => `${a}→${v}`)
            .join(' '),
          when(m.createdAt),
        ]);
        process.stdout.write(`${table(['NAME', 'VERSIONS', 'LATEST', 'ALIASES', 'CREATED'], rows)}\n`);
      }),
    );
}

/** `slipway models show <ref>`. */
function addShowCommand(models: Command): void {
  models
    .command('show <ref>')
    .description('show a model (NAME: its versions and aliases) or one version (NAME@N, NAME:ALIAS) with its gate report')
    .option('--json', 'print JSON')
    .action((ref: string, opts: { json?: boolean }) =>
      runCommand(async (ctx) => {
        const db = await ctx.db();
        const bare = !/[@:]/.test(ref);
        const parsed = parseModelRef(ref);
        const name = parsed.name;
        const aliases = await listAliases(db, name);
        if (bare) {
          const versions = await listVersions(db, name, { limit: 50 });
          if (opts.json) return printJson({ name, aliases, versions });
          const rows = versions.map((v) => [
            v.version,
            v.format,
            aliases
              .filter((a) => a.version === v.version)
              .map((a) => a.alias)
              .join(' '),
            Object.entries(v.metrics)
              .slice(0, 3)
              .map(([k, x]) => `${k}=${formatNumber(x)}`)
              .join(' '),
            v.runId ?? v.lineage.path ?? '',
            when(v.createdAt),
          ]);
          return void process.stdout.write(
            `${style.bold(name)}\n${table(['VERSION', 'FORMAT', 'ALIASES', 'METRICS', 'SOURCE', 'CREATED'], rows)}\n`,
          );
        }
        const v = await resolveModelRef(db, parsed);
        const report = await latestGateReport(db, v.name, v.version);
        const mine = aliases.filter((a) => a.version === v.version).map((a) => a.alias);
        if (opts.json) return printJson({ ...v, aliases: mine, gateReport: report ?? null });
        process.stdout.write(`${versionText(v, mine, report)}\n`);
      }),
    );
}

/** `slipway models diff <a> <b>`. */
function addDiffCommand(models: Command): void {
  models
    .command('diff <a> <b>')
    .description('compare two versions: metrics, params, data and signature')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  slipway models diff mnist@3 mnist@4')
    .action((a: string, b: string, opts: { json?: boolean }) =>
      runCommand(async (ctx) => {
        const d = await diffVersions(await ctx.db(), parseModelRef(a), parseModelRef(b));
        if (opts.json) return printJson(d);
        const A = `${d.a.name}@${d.a.version}`;
        const B = `${d.b.name}@${d.b.version}`;
        const out = [`${style.bold(A)} vs ${style.bold(B)}${d.sameArtifact ? ' (identical artifacts)' : ''}`];
        if (d.metrics.length)
          out.push(
            '',
            style.bold('Metrics'),
            table(
              ['METRIC', A, B, 'DELTA'],
              d.metrics.map((m) => [m.key, m.a, m.b, m.delta]),
            ),
          );
        if (d.params.length)
          out.push(
            '',
            style.bold('Params'),
            table(
              ['PARAM', A, B],
              d.params.map((p) => [p.key, p.a, p.b]),
            ),
          );
        const data = [
          ...d.data.onlyA.map((x) => [`${x.dataset}@${x.version}`, 'only in A']),
          ...d.data.onlyB.map((x) => [`${x.dataset}@${x.version}`, 'only in B']),
        ];
        if (data.length) out.push('', style.bold('Data'), table(['DATASET', 'WHERE'], data));
        out.push('', `${style.bold('Signature')}: ${d.signature.same ? 'same' : style.yellow('differs')}`);
        if (d.format.a !== d.format.b) out.push(`${style.bold('Format')}: ${d.format.a} → ${d.format.b}`);
        process.stdout.write(`${out.join('\n')}\n`);
      }),
    );
}

/** `slipway models alias <ref> <alias>`. */
function addAliasCommand(models: Command): void {
  models
    .command('alias <ref> <alias>')
    .description(
      'point ALIAS at a version (audited). An alias a server follows (production, a deployment’s stable alias, serving.models) moves only through the gates, as `promote` does, unless --force --reason',
    )
    .option('--reason <text>', 'why (kept in the history; required with --force)')
    .option('--force', 'move a followed alias even when gates fail (needs --reason; audited)')
    .option('--allow-signature-change', 'allow a version whose input/output signature differs from the alias’ current one')
    .addHelpText(
      'after',
      '\nExamples:\n  slipway models alias mnist@3 staging\n  slipway models alias mnist@3 production --force --reason "hotfix 42"',
    )
    .action((ref: string, alias: string, opts: { reason?: string; force?: boolean; allowSignatureChange?: boolean }) =>
      runCommand(async (ctx) => {
        const db = await ctx.db();
        const v = await resolveModelRef(db, parseModelRef(ref));
        const config = ctx.config();
        if (followedAliases(config, v.name).has(alias)) {
          // Serving follows this alias: the move is a promotion (signature check, gates) unless forced with a reason.
          const r = await promoteWithGates(db, ctx.store(), {
            ref: parseModelRef(`${v.name}@${v.version}`),
            alias,
            actor: cliActor(),
            force: opts.force,
            reason: opts.reason,
            allowSignatureChange: opts.allowSignatureChange,
            gates: config.gates,
            root: ctx.workspace().root,
            webhooks: config.webhooks,
            onWebhookFailure: warnWebhook,
          });
          if (r.gateReport) process.stdout.write(`${gateReportText(r.gateReport)}\n`);
          if (!r.moved) throw r.error;
          const m = r.move;
          process.stdout.write(
            `${m.model}:${m.alias} → ${m.to}${m.from !== null ? ` (was ${m.from})` : ''}${m.forced ? style.yellow(' (forced)') : ''}\n`,
          );
          return;
        }
        const m = await setAlias(db, {
          model: v.name,
          alias,
          version: v.version,
          actor: cliActor(),
          reason: opts.reason,
          webhooks: config.webhooks,
          onWebhookFailure: warnWebhook,
        });
        process.stdout.write(`${m.model}:${m.alias} → ${m.to}${m.from !== null ? ` (was ${m.from})` : ''}\n`);
      }),
    );
}

/** `slipway models history <name>`. */
function addHistoryCommand(models: Command): void {
  models
    .command('history <name>')
    .description('every alias move: who, when, from, to, why, gate report')
    .option('--alias <alias>', 'only this alias')
    .option('--json', 'print JSON')
    .action((name: string, opts: { alias?: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        const h = await aliasHistory(await ctx.db(), name, { alias: opts.alias });
        if (opts.json) return printJson(h);
        if (h.length === 0) return void process.stdout.write(`no alias moves for ${name}\n`);
        const rows = h.map((m) => [
          when(m.at),
          m.alias,
          m.from ?? '—',
          m.to ?? '—',
          m.actor,
          `${m.kind === 'rollback' ? 'rollback' : m.forced ? style.yellow('forced') : 'move'}`,
          m.gateReportId ?? '',
          m.reason ?? '',
        ]);
        process.stdout.write(`${table(['WHEN', 'ALIAS', 'FROM', 'TO', 'WHO', 'KIND', 'GATE REPORT', 'REASON'], rows)}\n`);
      }),
    );
}

/** `slipway models rollback <name> <alias>`. */
function addRollbackCommand(models: Command): void {
  models
    .command('rollback <name> <alias>')
    .description('move ALIAS back to the version it pointed to before its last move (audited)')
    .option('--reason <text>', 'why')
    .addHelpText('after', '\nExample:\n  slipway models rollback mnist production --reason "p95 latency regression"')
    .action((name: string, alias: string, opts: { reason?: string }) =>
      runCommand(async (ctx) => {
        const m = await rollbackAlias(await ctx.db(), {
          model: name,
          alias,
          actor: cliActor(),
          reason: opts.reason,
          webhooks: ctx.config().webhooks,
        });
        process.stdout.write(`${m.model}:${m.alias} rolled back ${m.from} → ${m.to}\n`);
      }),
    );
}

/** `slipway models promote <ref>`. */
function addPromoteCommand(models: Command): void {
  models
    .command('promote <ref>')
    .description('run the gates and, when all pass, move ALIAS to the version (exit 1 and a table when any fails)')
    .requiredOption('--to <alias>', 'the alias to move (e.g. production)')
    .option('--data <dataset>', 'evaluate the gates on this dataset version or path')
    .option('--force', 'move even when gates fail (needs --reason; audited)')
    .option('--reason <text>', 'why (required with --force)')
    .option('--allow-signature-change', 'allow a version whose signature differs from the alias’ current one')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  slipway models promote mnist@4 --to production\n  slipway models promote mnist@4 --to production --force --reason "incident 42"',
    )
    .action(
      (
        ref: string,
        opts: { to: string; data?: string; force?: boolean; reason?: string; allowSignatureChange?: boolean; json?: boolean },
      ) =>
        runCommand(async (ctx) => {
          const config = ctx.config();
          const r = await promoteWithGates(await ctx.db(), ctx.store(), {
            ref: parseModelRef(ref),
            alias: opts.to,
            actor: cliActor(),
            force: opts.force,
            reason: opts.reason,
            allowSignatureChange: opts.allowSignatureChange,
            gates: config.gates,
            dataset: opts.data,
            root: ctx.workspace().root,
            webhooks: config.webhooks,
            onWebhookFailure: warnWebhook,
          });
          if (opts.json) printJson({ move: r.moved ? r.move : null, gateReport: r.gateReport });
          else if (r.gateReport) process.stdout.write(`${gateReportText(r.gateReport)}\n`);
          if (!r.moved) throw r.error;
          if (opts.json) return;
          if (!r.gateReport) process.stdout.write(`(no gates declared for ${r.move.model} in slipway.yaml)\n`);
          process.stdout.write(`${r.move.model}:${r.move.alias} → ${r.move.to}${r.move.forced ? style.yellow(' (forced)') : ''}\n`);
        }),
    );
}
