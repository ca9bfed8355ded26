import type { Command } from 'commander';
import { SlipwayError } from '../errors/index.js';
import { spawn } from 'node:child_process';
import {
  evaluateAlerts,
  exportFeedback,
  monitoringReport,
  parseWindow,
  sendAlertWebhook,
  type AlertResult,
  type DriftReport,
  driftSettings,
  type MonitoringReport,
} from '../monitoring/index.js';
import { runCommand } from './run-command.js';
import { monitorPurge } from './monitor-purge.js';
import { feedbackTarget } from './feedback-export.js';
import { liveDataDrift, type DataDriftReport, type LiveDataDrift } from '../monitoring/drift/index.js';
import { driftText, jsonSafe } from './drift.js';
import { selfCommand } from './hooks.js';
import { printJson, style, table } from './output.js';

function ms(n: number): string {
  return n < 10 ? `${n.toFixed(2)} ms` : `${n.toFixed(1)} ms`;
}

/** Renders a monitoring report for people. */
export function renderMonitoringReport(r: MonitoringReport, window: string): string {
  const out = [
    `${style.bold(r.model)} over the last ${window} (${new Date(r.from).toISOString()} → ${new Date(r.to).toISOString()})`,
    `  requests     ${r.requests} logged, ${r.requestRate.toFixed(3)}/s`,
    `  errors       ${r.errors} (${(r.errorRate * 100).toFixed(2)}%; server errors ${(r.serverErrorRate * 100).toFixed(2)}%)`,
    `  latency      p50 ${ms(r.latencyMs.p50)}  p95 ${ms(r.latencyMs.p95)}  p99 ${ms(r.latencyMs.p99)}`,
    `  versions     ${r.versions.map((v) => `${v.version ?? '?'}: ${v.requests}`).join(', ') || 'none'}`,
  ];
  if (r.drift) out.push(...renderDrift(r.drift));
  const q = r.quality;
  if (!q) {
    out.push(`  quality      no feedback in the window (POST /v1/feedback {request_id, label})`);
    return out.join('\n');
  }
  out.push(
    `  quality      ${q.labelled} labelled; accuracy ${q.accuracy.toFixed(4)}, macro precision ${q.macro.precision.toFixed(4)}, recall ${q.macro.recall.toFixed(4)}, F1 ${q.macro.f1.toFixed(4)}`,
    '',
  );
  out.push(
    table(
      ['class', 'precision', 'recall', 'f1', 'support'],
      q.perClass.map((c) => [c.label, c.precision.toFixed(4), c.recall.toFixed(4), c.f1.toFixed(4), c.support]),
    ),
    '',
  );
  out.push(style.bold('confusion matrix (rows = truth, columns = predicted)'));
  out.push(
    table(
      ['', ...q.labels],
      q.confusion.map((row, i) => [q.labels[i], ...row]),
    ),
  );
  return out.join('\n');
}

function renderDrift(d: DriftReport): string[] {
  const tag = (s: string): string => (s === 'alert' ? style.bold(s.toUpperCase()) : s);
  const out = [
    `  drift        ${tag(d.status)} vs reference ${new Date(d.reference.from).toISOString()} → ${new Date(d.reference.to).toISOString()} (${d.reference.requests} logged)`,
  ];
  const p = d.prediction;
  out.push(
    p
      ? `    predicted classes  ${tag(p.status)}: PSI ${p.psi.toFixed(4)}, chi² ${p.chi2.toFixed(2)} (df ${p.df}, p ${p.pValue.toPrecision(3)})`
      : `    predicted classes  no predictions in one of the windows`,
  );
  const f = d.features;
  if (!f) out.push(`    input features     no numeric inputs logged`);
  else {
    out.push(
      `    input features     ${tag(f.status)}: ${f.drifted} of ${f.tested} tested drifted (width ${f.width}, ${f.varying} varying; max PSI ${f.maxPsi.toFixed(4)}, min KS p ${f.minPValue.toPrecision(3)})`,
    );
    for (const x of f.top.slice(0, 5))
      out.push(
        `      ${x.feature.padEnd(14)} ${x.status.padEnd(5)} PSI ${x.psi.toFixed(4)}  KS ${x.ks.toFixed(4)} (p ${x.pValue.toPrecision(3)})`,
      );
  }
  return out;
}

/** Renders evaluated alert rules, one line each. */
export function renderAlerts(alerts: readonly AlertResult[]): string {
  if (alerts.length === 0) return 'no alert rules (monitoring.alerts in slipway.yaml)';
  return alerts
    .map((a) => {
      const state = a.fired ? style.bold('FIRING') : a.skipped ? 'skipped' : 'ok';
      const v = a.value === null ? '—' : Number.isInteger(a.value) ? String(a.value) : a.value.toPrecision(4);
      return `${state.padEnd(7)} ${a.name}: ${a.rule} (value ${v})${a.skipped ? ` — ${a.skipped}` : ''}`;
    })
    .join('\n');
}

/** Runs `slipway repro --json STAGES` (logs to our stderr); returns its exit code and which stages ran or were restored. */
function runRepro(cwd: string, stages: readonly string[]): Promise<{ code: number; ran: string[] }> {
  const [cmd, ...args] = selfCommand();
  return new Promise((resolve) => {
    // Its logs go to stderr so `--json` stays parseable; its JSON result says what actually ran.
    const child = spawn(cmd!, [...args, 'repro', '--json', ...stages], { cwd, stdio: ['ignore', 'pipe', 2] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', () => resolve({ code: 2, ran: [] }));
    child.on('close', (code) => {
      let ran: string[] = [];
      try {
        const r = JSON.parse(out) as { stages: { stage: string; status: string }[] };
        ran = r.stages.filter((st) => st.status === 'ran' || st.status === 'restored').map((st) => st.stage);
      } catch {
        /* no JSON: the exit code tells */
      }
      resolve({ code: code ?? 2, ran });
    });
  });
}

/** `slipway monitor MODEL`: request rate, errors, latency and online accuracy/recall/F1 over a window. */
export function registerMonitor(program: Command): void {
  program
    .command('monitor <model>')
    .description(
      'report a served model over a sliding window: traffic, errors, latency p50/p95/p99, and accuracy/precision/recall/F1 from feedback',
    )
    .option('--window <duration>', 'window such as 15m, 1h, 7d (default 1h, or monitoring.window)')
    .option('--url <url>', 'ask a running server (e.g. http://127.0.0.1:8501) instead of reading the workspace database')
    .option('--reference <duration>', 'drift reference: the preceding duration such as 7d (default: the window just before, as long)')
    .option('--training', "compare the window's inputs with the served version's training data (slipway drift's tests, named features)")
    .option('--method <m>', 'with --training: the drift method (psi, ks, wasserstein, …; default Evidently’s choice per column)')
    .option('--check', 'evaluate monitoring.alerts, post firing alerts to monitoring.webhook, exit 1 when any fires')
    .option('--retrain', 'with --check: when an alert fires, run `slipway repro` (monitoring.retrain.stages) to retrain')
    .option('--json', 'print the report as JSON')
    .option(
      '--older-than <duration>',
      '`slipway monitor purge --older-than 30d` deletes logged predictions and feedback older than this (default monitoring.retention)',
    )
    .option('--model <name>', 'with `monitor export-feedback`: the model whose labelled predictions to export')
    .option('--dataset <name>', 'with `monitor export-feedback`: the dataset to version them as (default monitoring.feedback_dataset.name)')
    .addHelpText(
      'after',
      '\n`slipway monitor export-feedback --model NAME [--dataset NAME]` versions labelled production predictions (inputs + feedback label) as a dataset.\n\nExamples:\n  slipway monitor export-feedback --model breast-cancer --dataset breast-cancer-feedback\n  slipway monitor mnist --window 15m\n  slipway monitor mnist --window 1d --reference 7d\n  slipway monitor breast-cancer --window 1d --training --method psi\n  slipway monitor mnist --check --retrain\n  slipway monitor mnist --url http://127.0.0.1:8501 --json',
    )
    .action(
      (
        model: string,
        opts: {
          window?: string;
          url?: string;
          json?: boolean;
          reference?: string;
          check?: boolean;
          retrain?: boolean;
          training?: boolean;
          method?: string;
          olderThan?: string;
          model?: string;
          dataset?: string;
        },
      ) =>
        runCommand(async (ctx) => {
          // `slipway monitor purge`: privacy retention by hand.
          if (model === 'purge') return monitorPurge(ctx, { olderThan: opts.olderThan, json: opts.json });
          if (model === 'export-feedback') {
            const target = feedbackTarget(ctx.config(), opts);
            const r = await exportFeedback(await ctx.db(), ctx.store(), target);
            if (opts.json) printJson(r);
            else
              process.stdout.write(
                `${r.rows} labelled rows of ${target.model} → ${r.version.name}@${r.version.version}${r.created ? '' : ' (unchanged: no new labels)'}${r.skipped ? `; ${r.skipped} skipped (inputs not logged or redacted)` : ''}\n`,
              );
            return 0;
          }
          let window = opts.window;
          let report: MonitoringReport;
          if (opts.url) {
            window ??= '1h';
            parseWindow(window);
            if (opts.reference) parseWindow(opts.reference);
            const base = opts.url.replace(/\/+$/, '');
            const ref = opts.reference ? `&reference=${encodeURIComponent(opts.reference)}` : '';
            let res: Response;
            try {
              res = await fetch(`${base}/v1/models/${encodeURIComponent(model)}/monitoring?window=${encodeURIComponent(window)}${ref}`);
            } catch (e) {
              throw new SlipwayError(
                'UNAVAILABLE',
                `could not reach ${base}: ${(e as Error).message}. Is \`slipway serve\` running there?`,
              );
            }
            const body = (await res.json().catch(() => ({}))) as { error?: string };
            if (!res.ok)
              throw new SlipwayError(
                res.status === 404 ? 'SERVABLE_NOT_FOUND' : 'UNAVAILABLE',
                `${base} answered ${res.status}: ${body.error ?? 'no message'}`,
              );
            report = body as unknown as MonitoringReport;
            const d = report.drift as DriftReport | undefined;
            if (opts.reference && d && d.reference.to - d.reference.from !== parseWindow(opts.reference))
              process.stderr.write(`note: ${base} ignored --reference; its drift uses the window just before\n`);
          } else {
            window ??= ctx.config().monitoring?.window ?? '1h';
            const db = await ctx.db();
            const m = ctx.config().monitoring;
            report = await monitoringReport(db, model, {
              windowMs: parseWindow(window),
              sampleRate: m?.sample_rate,
              drift: driftSettings(m, opts.reference),
            });
          }
          // Live inputs against the training data: read from the workspace (its store holds the training dataset).
          const live = async (o: { method?: string; threshold?: number; share?: number }): Promise<LiveDataDrift> =>
            liveDataDrift(await ctx.db(), ctx.store(), model, {
              from: report.from,
              to: report.to,
              method: o.method,
              threshold: o.threshold,
              driftShare: o.share,
              maxRows: ctx.config().monitoring?.drift.max_rows,
            });
          if (!opts.check && !opts.retrain) {
            const training = opts.training ? await live({ method: opts.method }) : undefined;
            if (opts.json) printJson(training ? { ...report, training: { ...training, report: jsonSafe(training.report) } } : report);
            else {
              process.stdout.write(`${renderMonitoringReport(report, window)}\n`);
              if (training)
                process.stdout.write(
                  `\n${driftText(training.report, `training data ${training.reference}`, `${model}@${training.version} inputs, last ${window}`)}\n`,
                );
            }
            return 0;
          }
          const m = ctx.config().monitoring;
          if (!report.drift)
            throw new SlipwayError('UNAVAILABLE', 'the server sent a report without drift; upgrade it or check without --url.');
          const datasetDrift = new Map<string, DataDriftReport | string>();
          for (const rule of m?.alerts ?? []) {
            if (!('drift' in rule) || rule.drift !== 'dataset') continue;
            try {
              datasetDrift.set(rule.name, (await live(rule)).report);
            } catch (e) {
              // A rule that cannot be judged (no lineage dataset, no logged inputs) is skipped, never fired.
              if (!(e instanceof SlipwayError) || e.code === 'DRIFT_METHOD_UNKNOWN') throw e;
              datasetDrift.set(rule.name, e.message);
            }
          }
          const alerts = evaluateAlerts(report, m?.alerts ?? [], datasetDrift);
          const fired = alerts.filter((a) => a.fired);
          const delivery = fired.length > 0 && m?.webhook ? await sendAlertWebhook(await ctx.db(), m.webhook, report, alerts) : null;
          if (opts.json) printJson({ model, window, fired: fired.length, alerts, webhook: delivery, drift: report.drift });
          else {
            process.stdout.write(`${renderAlerts(alerts)}\n`);
            if (delivery)
              process.stdout.write(
                `webhook ${delivery.url}: ${delivery.ok ? `delivered (${delivery.status})` : `failed (${delivery.error})`}\n`,
              );
          }
          if (fired.length === 0) return 0;
          if (opts.retrain) {
            const stages = m?.retrain?.stages ?? [];
            process.stderr.write(`${fired.length} alert(s) fired; retraining: slipway repro ${stages.join(' ')}\n`);
            const { code, ran } = await runRepro(ctx.workspace().root, stages);
            if (code !== 0) {
              process.stderr.write(`retrain failed: slipway repro exited ${code}\n`);
              return Math.max(code, 2);
            }
            process.stderr.write(
              ran.length > 0
                ? `retrained: ${ran.join(', ')} ran on the changed inputs\n`
                : 'nothing retrained: every stage is up to date (no new dataset version, code or params since the last run). Add data first, e.g. `slipway monitor export-feedback` or `slipway data add`\n',
            );
          }
          return 1;
        }),
    );
}
