import type { Workspace } from '../config/index.js';
import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';
import { runExperiment, type ExpRunOptions } from '../pipeline/index.js';
import { listRuns, metricHistory, type RunRecord } from '../tracking/index.js';
import { SlipwayError } from '../errors/index.js';
import type { Objective } from './run-sweep.js';

/** How trials run as pipeline experiments. */
export interface ExpObjectiveOptions {
  readonly ws: Workspace;
  readonly db: Db;
  readonly store: ObjectStore;
  /** The final metric (a key of the stages' metrics files, dotted). */
  readonly metric: string;
  /** The per-step metric early stopping watches (logged by the trial's runs, e.g. per epoch); none: no polling. */
  readonly stepMetric?: string;
  readonly pollMs?: number;
  readonly run?: Pick<ExpRunOptions, 'jobs' | 'onLog' | 'stageEnv'>;
}

/**
 * An objective that runs each trial as a pipeline experiment (`slipway exp run -S …` in an isolated copy, tracked,
 * executed by the stages' own executors) and returns the metric from its metrics files. While it runs, the step
 * metric logged by its runs (the stage runs tagged with the experiment, and the runs nested under them) is read and
 * reported, so early stopping can stop it: the stop aborts the experiment, which kills the stage processes.
 */
export function expObjective(o: ExpObjectiveOptions): Objective {
  return async (params, ctx) => {
    const overrides = Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    let seen = 0;
    const poll = async (): Promise<void> => {
      if (!o.stepMetric) return;
      const points = await stepPoints(o.db, ctx.trial.name, o.stepMetric);
      for (; seen < points.length; seen++) if (ctx.report(points[seen]!.step, points[seen]!.value)) return;
    };
    let polling: Promise<void> = Promise.resolve();
    const timer = o.stepMetric
      ? setInterval(() => {
          polling = polling.then(poll).catch(() => undefined);
        }, o.pollMs ?? 250)
      : undefined;
    try {
      const rec = await runExperiment(o.ws, o.db, o.store, { ...o.run, overrides, name: ctx.trial.name, signal: ctx.signal });
      clearInterval(timer);
      await polling;
      if (!ctx.signal.aborted) await poll(); // the last epochs may have landed after the final tick
      if (rec.status !== 'succeeded')
        throw new SlipwayError('STAGE_FAILED', `trial ${ctx.trial.name} failed: ${rec.error ?? 'a stage failed'}`);
      const value = rec.metrics[o.metric];
      if (value === undefined)
        throw new SlipwayError(
          'SWEEP_METRIC_MISSING',
          `trial ${ctx.trial.name} produced no metric "${o.metric}" (its metrics: ${Object.keys(rec.metrics).join(', ') || 'none'}); set sweeps.<name>.metric.name to one of them`,
        );
      return value;
    } finally {
      clearInterval(timer);
    }
  };
}

/** The step metric's points of an experiment's runs, in step order (the run that logged the most of them wins). */
async function stepPoints(db: Db, exp: string, key: string): Promise<{ step: number; value: number }[]> {
  const stageRuns = await listRuns(db, { where: `tags.slipway.exp = '${exp.replace(/'/g, "''")}'` });
  const runs: RunRecord[] = [...stageRuns];
  for (const s of stageRuns) runs.push(...(await listRuns(db, { where: `attributes.parent_run_id = '${s.id}'` })));
  let best: { step: number; value: number }[] = [];
  for (const r of runs) {
    const h = await metricHistory(db, r.id, key).catch(() => []);
    if (h.length > best.length) best = h.map((p) => ({ step: p.step, value: p.value }));
  }
  return best.sort((a, b) => a.step - b.step);
}
