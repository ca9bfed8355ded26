import type { Command } from 'commander';
import { SlipwayError } from '../errors/index.js';
import { monitoringReport, parseWindow, type MonitoringReport } from '../monitoring/index.js';
import { runCommand } from './run-command.js';
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

/** `slipway monitor MODEL`: request rate, errors, latency and online accuracy/recall/F1 over a window. */
export function registerMonitor(program: Command): void {
  program
    .command('monitor <model>')
    .description(
      'report a served model over a sliding window: traffic, errors, latency p50/p95/p99, and accuracy/precision/recall/F1 from feedback',
    )
    .option('--window <duration>', 'window such as 15m, 1h, 7d (default 1h, or monitoring.window)')
    .option('--url <url>', 'ask a running server (e.g. http://127.0.0.1:8501) instead of reading the workspace database')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExamples:\n  slipway monitor mnist --window 15m\n  slipway monitor mnist --url http://127.0.0.1:8501 --json')
    .action((model: string, opts: { window?: string; url?: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        let window = opts.window;
        let report: MonitoringReport;
        if (opts.url) {
          window ??= '1h';
          parseWindow(window);
          const base = opts.url.replace(/\/+$/, '');
          let res: Response;
          try {
            res = await fetch(`${base}/v1/models/${encodeURIComponent(model)}/monitoring?window=${encodeURIComponent(window)}`);
          } catch (e) {
            throw new SlipwayError('UNAVAILABLE', `could not reach ${base}: ${(e as Error).message}. Is \`slipway serve\` running there?`);
          }
          const body = (await res.json().catch(() => ({}))) as { error?: string };
          if (!res.ok)
            throw new SlipwayError(
              res.status === 404 ? 'SERVABLE_NOT_FOUND' : 'UNAVAILABLE',
              `${base} answered ${res.status}: ${body.error ?? 'no message'}`,
            );
          report = body as unknown as MonitoringReport;
        } else {
          window ??= ctx.config().monitoring?.window ?? '1h';
          const db = await ctx.db();
          report = await monitoringReport(db, model, { windowMs: parseWindow(window), sampleRate: ctx.config().monitoring?.sample_rate });
        }
        if (opts.json) printJson(report);
        else process.stdout.write(`${renderMonitoringReport(report, window)}\n`);
        return 0;
      }),
    );
}
