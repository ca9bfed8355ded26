import type { Command } from 'commander';
import { join } from 'node:path';
import {
  checkSchedules,
  loadPipeline,
  pipelineEnv,
  repro,
  scheduleTick,
  startScheduler,
  type SchedulerOptions,
} from '../pipeline/index.js';
import { runCommand } from './run-command.js';
import { stageEnvFor } from './hooks.js';
import { printJson, style } from './output.js';
import { maybeExportFeedback } from './feedback-export.js';

/** `slipway schedule`: run the pipeline on cron expressions and new dataset versions (`schedules:` in slipway.yaml). */
export function registerSchedule(program: Command): void {
  program
    .command('schedule')
    .description('run the pipeline on the cron expressions and dataset triggers in `schedules:` (long-running; Ctrl-C stops cleanly)')
    .option('--once', 'check once what is due (cron occurrences since the last check, new dataset versions), run it, and exit')
    .option('--poll <seconds>', 'how often to look for new dataset versions', (v) => parseFloat(v), 30)
    .option('--json', 'with --once: print the triggers as JSON')
    .addHelpText(
      'after',
      '\nslipway.yaml:\n  schedules:\n    - cron: "0 3 * * *"          # nightly\n    - on_dataset: mnist           # when `slipway data add … --name mnist` makes a new version\n      stages: [train, evaluate]\n\nExamples:\n  slipway schedule\n  slipway schedule --once',
    )
    .action((opts: { once?: boolean; poll: number; json?: boolean }) =>
      runCommand(async (ctx) => {
        const ws = ctx.workspace();
        const entries = loadPipeline(ws.root).config.schedules ?? [];
        checkSchedules(entries);
        const db = await ctx.db();
        const log = (line: string): void => void process.stderr.write(`${style.dim(new Date().toISOString())} ${line}\n`);
        const sched: SchedulerOptions = {
          entries,
          db,
          statePath: join(ws.stateDir, 'schedule-state.json'),
          log,
          run: async (t, signal) => {
            const env = pipelineEnv(ws, db, ctx.store(), { stageEnv: stageEnvFor(ws.stateDir) });
            try {
              const r = await repro(env, loadPipeline(ws.root), {
                targets: t.stages,
                signal,
                waitMs: 3_600_000,
                onLog: (stage, line) => process.stdout.write(`${style.cyan(`[${stage}]`)} ${line}\n`),
              });
              const ran = r.stages.filter((st) => st.status === 'ran' || st.status === 'restored').map((st) => `${st.stage} ${st.status}`);
              log(`${t.reason}: ${ran.length > 0 ? ran.join(', ') : 'nothing changed (every stage up to date)'}`);
              return r.ok;
            } finally {
              env.close();
            }
          },
        };
        const config = loadPipeline(ws.root).config;
        if (opts.once) {
          // Labelled traffic becomes a dataset version first, so an on_dataset trigger on it fires in this same pass.
          await maybeExportFeedback(ws, db, ctx.store(), config, log);
          const ran = await scheduleTick(sched);
          if (opts.json) printJson(ran);
          else log(ran.length ? ran.map((r) => `${r.trigger.reason}: ${r.ok ? 'ok' : 'failed'}`).join('; ') : 'nothing due');
          return ran.every((r) => r.ok) ? 0 : 1;
        }
        if (entries.length === 0) log('no `schedules:` in slipway.yaml; waiting anyway (Ctrl-C to stop)');
        const feedbackTimer = config.monitoring?.feedback_dataset?.every
          ? setInterval(() => void maybeExportFeedback(ws, db, ctx.store(), config, log), Math.min(60_000, opts.poll * 1000))
          : undefined;
        const s = startScheduler({ ...sched, pollMs: opts.poll * 1000 });
        log(`scheduler running with ${entries.length} schedule(s); Ctrl-C to stop`);
        await new Promise<void>((resolve) => {
          const stop = (sig: NodeJS.Signals): void => {
            log(`${sig}: stopping (running stages are stopped cleanly)…`);
            void s.stop().then(resolve);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        if (feedbackTimer) clearInterval(feedbackTimer);
        log('scheduler stopped');
        return 0;
      }),
    );
}
