import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SlipwayError } from '../errors/index.js';
import { writeFileAtomic } from '../store/index.js';
import { httpBackend, localBackend, type RunRecord, type RunStatus, type TrackingBackend } from '../tracking/index.js';
import type { CliContext } from './context.js';
import { formatBytes, formatNumber, printJson, style, table } from './output.js';
import { runCommand } from './run-command.js';

/** Reads go to the tracking server when SLIPWAY_TRACKING_URI is set, else to the workspace. */
async function backendFor(ctx: CliContext): Promise<TrackingBackend> {
  if (ctx.settings.trackingUri) return httpBackend(ctx.settings.trackingUri, { token: ctx.settings.token });
  return localBackend(await ctx.db(), ctx.store());
}

const STATUSES = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED'];

function parseStatus(s: string | undefined, final = false): RunStatus | undefined {
  if (s === undefined) return undefined;
  const up = s.toUpperCase();
  const allowed = final ? STATUSES.slice(1) : STATUSES;
  if (!allowed.includes(up)) throw new SlipwayError('USAGE', `--status must be one of ${allowed.join(', ')} (got "${s}")`);
  return up as RunStatus;
}

function parseLimit(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new SlipwayError('USAGE', `--limit must be a positive integer (got "${s}")`);
  return n;
}

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
function duration(r: RunRecord): string {
  if (r.endTime === null) return r.status === 'RUNNING' ? 'running' : '';
  const s = (r.endTime - r.startTime) / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : s < 3600 ? `${(s / 60).toFixed(1)}m` : `${(s / 3600).toFixed(1)}h`;
}
const colourStatus = (s: RunStatus): string =>
  s === 'FINISHED' ? style.green(s) : s === 'FAILED' ? style.red(s) : s === 'KILLED' ? style.yellow(s) : style.cyan(s);

function listText(runs: readonly RunRecord[]): string {
  if (runs.length === 0) return 'no runs match';
  // Show the metrics most runs have, so the table stays readable.
  const counts = new Map<string, number>();
  for (const r of runs) for (const k of Object.keys(r.metrics)) counts.set(k, (counts.get(k) ?? 0) + 1);
  const keys = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 4)
    .map(([k]) => k);
  return table(
    ['ID', 'EXPERIMENT', 'NAME', 'STATUS', 'STARTED', 'DURATION', ...keys],
    runs.map((r) => [
      r.id,
      r.experiment,
      r.name ?? '',
      colourStatus(r.status),
      when(r.startTime),
      duration(r),
      ...keys.map((k) => r.metrics[k]),
    ]),
  );
}

function showText(r: RunRecord): string {
  const lines = [
    `${style.bold('Run')} ${r.id}${r.name ? ` (${r.name})` : ''}`,
    `  experiment  ${r.experiment}`,
    `  kind        ${r.kind}`,
    `  status      ${colourStatus(r.status)}`,
    `  started     ${when(r.startTime)}${r.endTime !== null ? `   ended ${when(r.endTime)} (${duration(r)})` : ''}`,
    `  code        ${r.code.commit ?? '(not a git checkout)'}${r.code.dirty ? ` + uncommitted changes (diff ${r.code.diffHash?.slice(0, 12) ?? '?'})` : ''}`,
    `  environment ${Object.entries(r.env)
      .map(([k, v]) => `${k}=${k === 'lockfileHash' ? v.slice(0, 12) : v}`)
      .join(', ')}`,
  ];
  if (r.parentRunId) lines.push(`  parent      ${r.parentRunId}`);
  const section = (title: string, rows: (readonly unknown[])[], headers: string[]): void => {
    if (rows.length === 0) return;
    lines.push('', style.bold(title), table(headers, rows));
  };
  section('Params', Object.entries(r.params), ['KEY', 'VALUE']);
  section('Metrics (latest)', Object.entries(r.metrics), ['KEY', 'VALUE']);
  section('Tags', Object.entries(r.tags), ['KEY', 'VALUE']);
  section(
    'Inputs',
    r.inputs.map((i) => [`${i.dataset}@${i.version}`, i.treeHash.slice(0, 12)]),
    ['DATASET', 'TREE'],
  );
  section(
    'Artifacts',
    r.artifacts.map((a) => [a.path, a.kind, formatBytes(a.size), a.hash.slice(0, 12)]),
    ['PATH', 'KIND', 'SIZE', 'HASH'],
  );
  return lines.join('\n');
}

/** Params side by side and metrics with deltas against the first run. */
export function compareRuns(runs: readonly RunRecord[]): {
  runs: string[];
  params: Record<string, (string | null)[]>;
  metrics: Record<string, { values: (number | null)[]; deltas: (number | null)[] }>;
} {
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const params: Record<string, (string | null)[]> = {};
  for (const k of paramKeys) params[k] = runs.map((r) => r.params[k] ?? null);
  const metrics: Record<string, { values: (number | null)[]; deltas: (number | null)[] }> = {};
  for (const k of metricKeys) {
    const values = runs.map((r) => r.metrics[k] ?? null);
    const base = values[0] ?? null;
    metrics[k] = { values, deltas: values.map((v) => (v === null || base === null ? null : v - base)) };
  }
  return { runs: runs.map((r) => r.id), params, metrics };
}

function compareText(runs: readonly RunRecord[]): string {
  const c = compareRuns(runs);
  const heads = runs.map((r) => r.name ?? r.id);
  const paramRows = Object.entries(c.params).map(([k, vs]) => {
    const differs = new Set(vs).size > 1;
    return [differs ? style.yellow(k) : k, ...vs.map((v) => v ?? '–')];
  });
  const metricRows = Object.entries(c.metrics).map(([k, m]) => [
    k,
    ...m.values.map((v, i) => {
      if (v === null) return '–';
      const d = m.deltas[i];
      if (i === 0 || d === null || d === undefined) return formatNumber(v);
      const sign = d > 0 ? '+' : d < 0 ? '' : '±';
      return `${formatNumber(v)} (${sign}${formatNumber(d)})`;
    }),
  ]);
  return [
    style.bold('Params'),
    paramRows.length ? table(['PARAM', ...heads], paramRows) : '(none)',
    '',
    style.bold(`Metrics (delta vs ${heads[0]})`),
    metricRows.length ? table(['METRIC', ...heads], metricRows) : '(none)',
  ].join('\n');
}

async function exportRun(b: TrackingBackend, id: string, format: string): Promise<string> {
  const run = await b.getRun(id);
  const history: Record<string, { step: number; ts: number; value: number }[]> = {};
  for (const k of Object.keys(run.metrics)) history[k] = await b.metricHistory(id, k);
  if (format === 'json') return `${JSON.stringify({ ...run, history }, null, 2)}\n`;
  const esc = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = ['run_id,key,step,timestamp,value'];
  for (const [k, pts] of Object.entries(history)) for (const p of pts) rows.push(`${run.id},${esc(k)},${p.step},${p.ts},${p.value}`);
  return `${rows.join('\n')}\n`;
}

/** `slipway runs list|show|compare|export|end`: read and compare tracked runs. */
export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('list, show, compare and export tracked runs (training code logs them with the SDK or the REST API)');

  runs
    .command('list')
    .description('list runs, newest first')
    .option('--experiment <name>', 'only runs of this experiment')
    .option('--status <status>', 'RUNNING, FINISHED, FAILED or KILLED')
    .option(
      '--where <filter>',
      'conditions joined by "and": metrics.K / params.K / tags.K / status / name / kind compared with = != < <= > >= or like',
    )
    .option('--sort <order>', 'e.g. "metrics.accuracy desc", "params.lr asc", "start_time desc"')
    .option('--limit <n>', 'at most N runs (default 1000)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  slipway runs list --experiment mnist
  slipway runs list --where "metrics.accuracy > 0.9 and params.lr = 0.01" --sort "metrics.accuracy desc" --limit 5
  slipway runs list --status FAILED --json`,
    )
    .action((o: { experiment?: string; status?: string; where?: string; sort?: string; limit?: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        const b = await backendFor(ctx);
        const list = await b.listRuns({
          experiment: o.experiment,
          status: parseStatus(o.status),
          where: o.where,
          orderBy: o.sort,
          limit: parseLimit(o.limit),
        });
        if (o.json) printJson(list);
        else process.stdout.write(`${listText(list)}\n`);
      }),
    );

  runs
    .command('show <id>')
    .description('show one run: params, latest metrics, tags, inputs, artifacts, code version and environment')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  slipway runs show 01JD3Q6W2T7F8Z9A0B1C2D3E4F')
    .action((id: string, o: { json?: boolean }) =>
      runCommand(async (ctx) => {
        const r = await (await backendFor(ctx)).getRun(id);
        if (o.json) printJson(r);
        else process.stdout.write(`${showText(r)}\n`);
      }),
    );

  runs
    .command('compare <ids...>')
    .description('params side by side and metrics with deltas against the first run')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  slipway runs compare 01JD3Q6W2T… 01JD3Q9K4M… 01JD3QB7XN…')
    .action((ids: string[], o: { json?: boolean }) =>
      runCommand(async (ctx) => {
        if (ids.length < 2) throw new SlipwayError('USAGE', 'compare needs at least two run ids');
        const b = await backendFor(ctx);
        const list: RunRecord[] = [];
        for (const id of ids) list.push(await b.getRun(id));
        if (o.json) printJson(compareRuns(list));
        else process.stdout.write(`${compareText(list)}\n`);
      }),
    );

  runs
    .command('export <id>')
    .description('export a run with every metric history, as JSON or CSV (run_id,key,step,timestamp,value)')
    .option('--format <format>', 'csv or json', 'json')
    .option('-o, --output <file>', 'write to FILE (atomically) instead of stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  slipway runs export 01JD3Q6W2T… --format csv -o run.csv\n  slipway runs export 01JD3Q6W2T… --format json | jq .history.loss',
    )
    .action((id: string, o: { format: string; output?: string }) =>
      runCommand(async (ctx) => {
        if (o.format !== 'csv' && o.format !== 'json') throw new SlipwayError('USAGE', `--format must be csv or json (got "${o.format}")`);
        const text = await exportRun(await backendFor(ctx), id, o.format);
        if (o.output) {
          writeFileAtomic(resolve(ctx.cwd, o.output), text);
          process.stderr.write(`wrote ${o.output}\n`);
        } else process.stdout.write(text);
      }),
    );

  runs
    .command('end <id>')
    .description('mark a run as ended, e.g. one whose process died while RUNNING')
    .option('--status <status>', 'FINISHED, FAILED or KILLED', 'KILLED')
    .addHelpText('after', '\nExample:\n  slipway runs end 01JD3Q6W2T… --status FAILED')
    .action((id: string, o: { status: string }) =>
      runCommand(async (ctx) => {
        const status = parseStatus(o.status, true) as Exclude<RunStatus, 'RUNNING'>;
        await (await backendFor(ctx)).endRun(id, status);
        process.stdout.write(`run ${id} marked ${status}\n`);
      }),
    );
}
