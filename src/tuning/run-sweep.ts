import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SweepConfig } from '../config/index.js';
import { createRng } from '../engine/index.js';
import { toSlipwayError } from '../errors/index.js';
import { writeFileAtomic } from '../store/index.js';
import { ashaShouldStop, type AshaOptions, type Rungs } from './asha.js';
import { gridPoints, parseSpace, sampleUniform, type Dimension, type ParamValue } from './search-space.js';
import { tpeSuggest, type Observation } from './tpe.js';

/** One trial of a sweep, as recorded in its state file. */
export interface TrialRecord {
  readonly number: number;
  /** The experiment name the trial ran as (a re-run after a crash gets a new attempt suffix). */
  name: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  status: 'running' | 'succeeded' | 'failed' | 'pruned';
  /** The sweep metric: the final value, or the last reported one of a pruned trial. */
  value?: number;
  /** Intermediate (step, value) reports, for early stopping and the plots. */
  steps: [number, number][];
  error?: string;
  attempt: number;
  readonly startedAt: number;
  finishedAt?: number;
}

/** A sweep's whole state: enough to resume it and to report on it. */
export interface SweepState {
  readonly name: string;
  readonly config: SweepConfig;
  readonly trials: TrialRecord[];
}

/** What a trial's objective gets: the trial, a signal that fires when it is stopped early, and a step reporter. */
export interface TrialContext {
  readonly trial: Readonly<TrialRecord>;
  readonly signal: AbortSignal;
  /** Records an intermediate value; returns true when early stopping decided to stop the trial (the signal fires too). */
  report(step: number, value: number): boolean;
}

/** Runs a trial and returns its metric (throws when the trial fails). */
export type Objective = (params: Readonly<Record<string, ParamValue>>, ctx: TrialContext) => Promise<number>;

/** How to run a sweep. */
export interface RunSweepOptions {
  readonly name: string;
  readonly config: SweepConfig;
  readonly objective: Objective;
  /** Where the state is kept; an existing file is resumed (finished trials are never repeated). */
  readonly statePath?: string;
  /** Trials at once (default 1). */
  readonly jobs?: number;
  /** Called whenever a trial starts or ends. */
  readonly onTrial?: (t: Readonly<TrialRecord>, state: Readonly<SweepState>) => void;
  readonly signal?: AbortSignal;
  /** Experiment names of trials: `${name}-t${number}` (and `-a${attempt}` after the first attempt) by default. */
  readonly trialName?: (sweep: string, n: number, attempt: number) => string;
}

const defaultTrialName = (sweep: string, n: number, attempt: number): string => `${sweep}-t${n}${attempt > 1 ? `-a${attempt}` : ''}`;

/** The number of trials a sweep runs: run_cap, or the grid's size (capped by run_cap), or 20 for random/TPE. */
export function sweepBudget(config: SweepConfig, dims: readonly Dimension[]): number {
  if (config.method === 'grid') return Math.min(gridPoints(dims).length, config.run_cap ?? Infinity);
  return config.run_cap ?? 20;
}

/** Reads a sweep's state file, or undefined when the sweep has not started. */
export function readSweepState(path: string): SweepState | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SweepState) : undefined;
}

/**
 * Runs (or resumes) a sweep: suggests params by grid, random or TPE, runs up to `jobs` trials at a time through the
 * objective, stops bad trials early by ASHA when `early_terminate` is set, records a failed trial and goes on, and
 * saves the state after every change. Suggestions are seeded by (seed, trial number) and the trials finished so far,
 * so a resumed sweep continues where it stopped: finished trials stay, interrupted ones run again with their params.
 */
export async function runSweep(opts: RunSweepOptions): Promise<SweepState> {
  const { config } = opts;
  const dims = parseSpace(config.parameters);
  const budget = sweepBudget(config, dims);
  const grid = config.method === 'grid' ? gridPoints(dims) : [];
  const nameOf = opts.trialName ?? defaultTrialName;
  const previous = opts.statePath ? readSweepState(opts.statePath) : undefined;
  const state: SweepState = { name: opts.name, config, trials: previous?.trials ?? [] };
  const maximize = config.metric.goal === 'maximize';
  const asha: AshaOptions | undefined = config.early_terminate
    ? { minIter: config.early_terminate.min_iter, eta: config.early_terminate.eta, maximize }
    : undefined;
  const rungs: Rungs = new Map();
  // Interrupted trials run again with the same params; early-stopping rungs are rebuilt from the finished ones.
  const pending = state.trials.filter((t) => t.status === 'running');
  for (const t of state.trials)
    if (t.status !== 'running' && asha) for (const [s, v] of t.steps) ashaShouldStop(rungs, String(t.number), s, v, asha);
  const save = (): void => {
    if (!opts.statePath) return;
    mkdirSync(dirname(opts.statePath), { recursive: true });
    writeFileAtomic(opts.statePath, JSON.stringify(state, null, 2));
  };

  const suggest = (n: number): Record<string, ParamValue> => {
    if (config.method === 'grid') return grid[n]!;
    const rng = createRng((config.seed * 1_000_003 + n * 7919 + 1) >>> 0);
    const finished = state.trials.filter((t) => t.value !== undefined && (t.status === 'succeeded' || t.status === 'pruned'));
    if (config.method === 'random' || finished.length < config.startup_trials)
      return Object.fromEntries(dims.map((d) => [d.key, sampleUniform(d, rng)]));
    const history: Observation[] = finished.map((t) => ({ params: t.params, loss: maximize ? -t.value! : t.value! }));
    return tpeSuggest(dims, history, rng);
  };

  const runTrial = async (trial: TrialRecord): Promise<void> => {
    const controller = new AbortController();
    const onOuterAbort = (): void => controller.abort();
    opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    let stopped = false;
    const ctx: TrialContext = {
      trial,
      signal: controller.signal,
      report: (step, value) => {
        if (stopped) return true;
        trial.steps.push([step, value]);
        trial.value = value;
        if (asha && ashaShouldStop(rungs, String(trial.number), step, value, asha)) {
          stopped = true;
          controller.abort();
        }
        save();
        return stopped;
      },
    };
    opts.onTrial?.(trial, state);
    try {
      const value = await opts.objective(trial.params, ctx);
      if (opts.signal?.aborted) return; // interrupted: stays `running`, so a resume runs it again
      trial.status = stopped ? 'pruned' : 'succeeded';
      if (!stopped) trial.value = value;
    } catch (e) {
      if (opts.signal?.aborted) return;
      if (stopped) trial.status = 'pruned';
      else {
        trial.status = 'failed';
        trial.error = toSlipwayError(e).message;
      }
    } finally {
      opts.signal?.removeEventListener('abort', onOuterAbort);
    }
    trial.finishedAt = Date.now();
    save();
    opts.onTrial?.(trial, state);
  };

  let next = state.trials.reduce((m, t) => Math.max(m, t.number + 1), 0);
  const take = (): TrialRecord | undefined => {
    if (opts.signal?.aborted) return undefined;
    const again = pending.shift();
    if (again) {
      again.attempt += 1;
      again.name = nameOf(opts.name, again.number, again.attempt);
      again.steps = [];
      delete again.value;
      save();
      return again;
    }
    if (next >= budget) return undefined;
    const n = next++;
    const trial: TrialRecord = {
      number: n,
      name: nameOf(opts.name, n, 1),
      params: suggest(n),
      status: 'running',
      steps: [],
      attempt: 1,
      startedAt: Date.now(),
    };
    state.trials.push(trial);
    save();
    return trial;
  };
  const lane = async (): Promise<void> => {
    for (let t = take(); t; t = take()) await runTrial(t);
  };
  save();
  await Promise.all(Array.from({ length: Math.max(1, opts.jobs ?? 1) }, lane));
  return state;
}

/** The best finished trial (succeeded, or pruned trials if none succeeded), by the sweep's goal. */
export function bestTrial(state: Readonly<SweepState>): TrialRecord | undefined {
  const sign = state.config.metric.goal === 'maximize' ? -1 : 1;
  const pool = state.trials.filter((t) => t.status === 'succeeded' && t.value !== undefined);
  return pool.sort((a, b) => sign * (a.value! - b.value!) || a.number - b.number)[0];
}
