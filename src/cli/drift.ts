import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SlipwayError } from '../errors/index.js';
import { dataDrift, driftHtml, loadDriftTable, type DataDriftReport } from '../monitoring/drift/index.js';
import { formatNumber, printJson, style, table } from './output.js';
import { runCommand } from './run-command.js';

interface DriftCliOptions {
  target?: string;
  categorical?: string;
  columns?: string;
  driftShare?: string;
  method?: string;
  threshold?: string;
  file?: string;
  json?: boolean;
  html?: string;
}

function list(s: string | undefined): string[] | undefined {
  return s === undefined
    ? undefined
    : s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
}

function number(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const v = Number(s);
  if (!Number.isFinite(v)) throw new SlipwayError('DRIFT_OPTION_INVALID', `${flag} ${s} is not a number`, { flag });
  return v;
}

/** `--method psi` for every column it fits, `--method age=ks,sex=z` per column, or both. */
export function parseMethods(s: string | undefined): { method?: string; columnMethods: Record<string, string> } {
  const columnMethods: Record<string, string> = {};
  let method: string | undefined;
  for (const item of list(s) ?? []) {
    const eq = item.lastIndexOf('=');
    if (eq > 0) columnMethods[item.slice(0, eq)] = item.slice(eq + 1);
    else if (method === undefined) method = item;
    else
      throw new SlipwayError(
        'DRIFT_OPTION_INVALID',
        `--method names two methods (${method}, ${item}); give one, or COLUMN=METHOD pairs`,
        {},
      );
  }
  return method === undefined ? { columnMethods } : { method, columnMethods };
}

/** The report for people: the verdict, then one line per column (drifting first). */
export function driftText(r: DataDriftReport, ref: string, cur: string): string {
  const rows = r.columns.map((c) => [
    c.role === 'target' ? `${c.name} (target)` : c.name,
    c.type,
    c.method,
    formatNumber(c.statistic),
    c.pValue !== null ? `p=${formatNumber(c.pValue)}` : `d=${formatNumber(c.distance ?? 0)}`,
    c.threshold,
    c.drift ? style.red('DRIFT') : style.green('ok'),
  ]);
  const verdict = r.datasetDrift ? style.red('DATASET DRIFT') : style.green('no dataset drift');
  const out = [
    `${style.bold('Data drift')} ${ref} (${r.reference.rows} rows) → ${cur} (${r.current.rows} rows): ${verdict}`,
    `  ${r.numberOfDriftedColumns} of ${r.numberOfColumns} columns drift (share ${formatNumber(r.shareOfDriftedColumns)}, dataset drifts at ≥ ${r.driftShare})`,
    '',
    table(['COLUMN', 'TYPE', 'METHOD', 'STATISTIC', 'SCORE', 'THRESHOLD', 'DRIFT'], rows),
  ];
  if (r.skipped.length > 0) out.push('', ...r.skipped.map((s) => `  not compared: ${s.name} (${s.reason})`));
  return out.join('\n');
}

/** JSON numbers cannot be Infinity or NaN: those print as strings ("Infinity", "NaN"). */
export function jsonSafe(r: DataDriftReport): unknown {
  return JSON.parse(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}

/** `slipway drift REFERENCE CURRENT`: Evidently's DataDriftPreset on two CSV tables or dataset versions. */
export function registerDrift(program: Command): void {
  program
    .command('drift <reference> <current>')
    .description('compare two tables (CSV files or dataset versions) column by column; exit 1 when the dataset drifts')
    .option('--target <column>', 'the target column (tested and counted like Evidently does)')
    .option('--categorical <a,b>', 'columns to compare as categories whatever their values')
    .option('--columns <a,b>', 'only these columns (default: every column)')
    .option('--drift-share <share>', 'the dataset drifts when at least this share of columns drift', '0.5')
    .option('--method <m>', 'psi|kl|js|wasserstein|ks|chisquare|z|hellinger|anderson|cramer_von_mises, or COLUMN=METHOD,…')
    .option('--threshold <t>', "every column's threshold (default: each method's Evidently default)")
    .option('--file <csv>', 'the CSV inside a dataset version or folder holding several')
    .option('--json', 'print the report as JSON')
    .option('--html <file>', 'write a self-contained HTML report')
    .addHelpText(
      'after',
      `
Default tests (Evidently's DataDriftPreset): up to 1000 reference rows, KS for numeric columns and chi-squared
(Z-test when two values) for categorical ones; above, normalised Wasserstein (numeric) and Jensen-Shannon
(categorical) with threshold 0.1. Integer columns with at most 5 values are categorical.

Examples:
  slipway drift train.csv today.csv
  slipway drift patients@1 patients@2 --target target --html drift.html
  slipway drift ref.csv cur.csv --method psi --json
  slipway drift ref.csv cur.csv --method age=ks,sex=z --drift-share 0.3`,
    )
    .action((reference: string, current: string, opts: DriftCliOptions) =>
      runCommand(async (ctx) => {
        const src = { root: ctx.cwd, file: opts.file, open: async () => ({ db: await ctx.db(), store: ctx.store() }) };
        const ref = await loadDriftTable(reference, src);
        const cur = await loadDriftTable(current, src);
        const { method, columnMethods } = parseMethods(opts.method);
        const report = await dataDrift(ref.table, cur.table, {
          target: opts.target,
          categorical: list(opts.categorical),
          columns: list(opts.columns),
          driftShare: number(opts.driftShare, '--drift-share'),
          method,
          columnMethods,
          threshold: number(opts.threshold, '--threshold'),
        });
        if (opts.html !== undefined) {
          const html = driftHtml(report, `Data drift: ${ref.label} → ${cur.label}`, { reference: ref.label, current: cur.label });
          try {
            writeFileSync(resolve(ctx.cwd, opts.html), html);
          } catch (e) {
            throw new SlipwayError('PATH_NOT_FOUND', `cannot write ${opts.html}: ${(e as Error).message}; check the folder exists`, {
              path: opts.html,
            });
          }
        }
        if (opts.json) printJson(jsonSafe(report));
        else process.stdout.write(`${driftText(report, ref.label, cur.label)}\n`);
        return report.datasetDrift ? 1 : 0;
      }),
    );
}
