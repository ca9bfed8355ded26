import { existsSync, readFileSync } from 'node:fs';
import { Cron } from 'croner';
import { SlipwayError } from '../errors/index.js';
import { latestDatasetVersionNumber } from '../data/index.js';
import type { Db } from '../meta/index.js';
import { writeFileAtomic } from '../store/index.js';

/** One `schedules:` entry of slipway.yaml. */
export interface ScheduleEntry {
  readonly cron?: string;
  readonly on_dataset?: string;
  readonly stages?: readonly string[];
}

/** Why the scheduler started a pipeline run. */
export interface Trigger {
  readonly reason: string;
  readonly stages?: readonly string[];
}

/** What the scheduler remembers between ticks and restarts (`.slipway/schedule-state.json`). */
interface ScheduleState {
  lastTick: number | null;
  datasets: Record<string, number>;
}

/** Options shared by `scheduleTick` and `startScheduler`. */
export interface SchedulerOptions {
  readonly entries: readonly ScheduleEntry[];
  readonly db: Db;
  readonly statePath: string;
  /** Runs the pipeline (the CLI reloads slipway.yaml and calls repro); returns whether it succeeded. */
  readonly run: (t: Trigger, signal: AbortSignal) => Promise<boolean>;
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

function readState(path: string): ScheduleState {
  try {
    if (existsSync(path)) return { lastTick: null, datasets: {}, ...(JSON.parse(readFileSync(path, 'utf8')) as Partial<ScheduleState>) };
  } catch {
    /* a damaged state file only means one missed or extra trigger */
  }
  return { lastTick: null, datasets: {} };
}

/** Validates cron expressions up front, so a bad schedule is refused before anything runs. */
export function checkSchedules(entries: readonly ScheduleEntry[]): void {
  entries.forEach((e, i) => {
    if (!e.cron && !e.on_dataset)
      throw new SlipwayError('CONFIG_INVALID', `schedules[${i}]: needs \`cron:\` or \`on_dataset:\``, { index: i });
    if (e.cron) {
      try {
        new Cron(e.cron, { paused: true }).stop();
      } catch (err) {
        throw new SlipwayError(
          'CONFIG_INVALID',
          `schedules[${i}].cron: "${e.cron}" is not a valid cron expression (${(err as Error).message})`,
          { index: i },
        );
      }
    }
  });
}

/**
 * One scheduler pass: which entries are due now. A cron entry is due when it had an occurrence since the last tick;
 * a dataset entry when a version newer than the last seen appeared (the first pass only records what exists).
 */
export async function dueTriggers(opts: SchedulerOptions): Promise<Trigger[]> {
  const state = readState(opts.statePath);
  const now = (opts.now ?? (() => new Date()))();
  const due: Trigger[] = [];
  for (const e of opts.entries) {
    if (e.cron && state.lastTick !== null) {
      const next = new Cron(e.cron, { paused: true }).nextRun(new Date(state.lastTick));
      if (next && next.getTime() <= now.getTime()) due.push({ reason: `cron "${e.cron}"`, stages: e.stages });
    }
    if (e.on_dataset) {
      const v = await latestDatasetVersionNumber(opts.db, e.on_dataset);
      const seen = state.datasets[e.on_dataset];
      if (v !== null && seen !== undefined && v > seen) due.push({ reason: `new dataset version ${e.on_dataset}@${v}`, stages: e.stages });
      if (v !== null) state.datasets[e.on_dataset] = v;
    }
  }
  state.lastTick = now.getTime();
  writeFileAtomic(opts.statePath, JSON.stringify(state));
  return due;
}

/** Runs one pass (`slipway schedule --once`): fires what is due, one trigger after another. */
export async function scheduleTick(
  opts: SchedulerOptions,
  signal: AbortSignal = new AbortController().signal,
): Promise<{ trigger: Trigger; ok: boolean }[]> {
  const out: { trigger: Trigger; ok: boolean }[] = [];
  for (const t of await dueTriggers(opts)) {
    if (signal.aborted) break;
    opts.log?.(`trigger: ${t.reason}`);
    out.push({ trigger: t, ok: await opts.run(t, signal) });
  }
  return out;
}

/**
 * The long-running scheduler: cron entries fire through croner, datasets are polled every `pollMs`; triggers run one
 * at a time. `stop()` stops the timers, aborts a running pipeline (its stages are killed cleanly) and waits for it.
 */
export function startScheduler(opts: SchedulerOptions & { pollMs?: number }): { stop(): Promise<void> } {
  checkSchedules(opts.entries);
  const ctl = new AbortController();
  let chain: Promise<unknown> = Promise.resolve();
  const enqueue = (t: Trigger): void => {
    chain = chain.then(async () => {
      if (ctl.signal.aborted) return;
      opts.log?.(`trigger: ${t.reason}`);
      try {
        const ok = await opts.run(t, ctl.signal);
        opts.log?.(`${t.reason}: ${ok ? 'ok' : 'failed'}`);
      } catch (e) {
        opts.log?.(`${t.reason}: error: ${(e as Error).message}`);
      }
    });
  };
  const crons = opts.entries
    .filter((e) => e.cron)
    .map((e) => new Cron(e.cron!, { protect: true }, () => enqueue({ reason: `cron "${e.cron}"`, stages: e.stages })));
  const datasetEntries = opts.entries.filter((e) => e.on_dataset);
  let polling = false;
  const poll = async (): Promise<void> => {
    if (polling || ctl.signal.aborted) return;
    polling = true;
    try {
      // Only dataset entries here: cron entries fire on their own timers.
      for (const t of await dueTriggers({ ...opts, entries: datasetEntries })) enqueue(t);
    } catch (e) {
      opts.log?.(`dataset poll failed: ${(e as Error).message}`);
    } finally {
      polling = false;
    }
  };
  void poll();
  const timer = datasetEntries.length > 0 ? setInterval(() => void poll(), opts.pollMs ?? 30_000) : undefined;
  return {
    async stop() {
      ctl.abort();
      for (const c of crons) c.stop();
      if (timer) clearInterval(timer);
      await chain.catch(() => undefined);
    },
  };
}
