/** ASHA settings: rungs at min_iter · eta^k steps; at each rung the best 1/eta of the trials seen there go on. */
export interface AshaOptions {
  readonly minIter: number;
  readonly eta: number;
  /** Whether a larger metric is better. */
  readonly maximize: boolean;
}

/** What each rung has seen: rung index → trial → its value at that rung. */
export type Rungs = Map<number, Map<string, number>>;

/** The rung a step reaches (the highest k with min_iter · eta^k ≤ step), or -1 below the first rung. */
export function rungOf(step: number, o: AshaOptions): number {
  if (step < o.minIter) return -1;
  return Math.floor(Math.log(step / o.minIter) / Math.log(o.eta) + 1e-9);
}

/**
 * Asynchronous successive halving (Li et al. 2018, ASHA; the stopping rule of W&B's `hyperband` and Optuna's
 * SuccessiveHalvingPruner): when a trial reports `value` at `step` and thereby reaches rung k for the first time, the
 * value joins rung k's record, and the trial continues only if it ranks within the top ⌊n/eta⌋ of the n values
 * recorded there (the single best while fewer than eta have been). Returns whether to stop the trial.
 */
export function ashaShouldStop(rungs: Rungs, trial: string, step: number, value: number, o: AshaOptions): boolean {
  const k = rungOf(step, o);
  if (k < 0 || !Number.isFinite(value)) return !Number.isFinite(value) && k >= 0;
  let rung = rungs.get(k);
  if (!rung) rungs.set(k, (rung = new Map()));
  if (rung.has(trial)) return false; // already judged at this rung
  rung.set(trial, value);
  const values = [...rung.values()].sort((a, b) => (o.maximize ? b - a : a - b));
  const keep = Math.max(1, Math.floor(values.length / o.eta));
  const bar = values[keep - 1]!;
  return o.maximize ? value < bar : value > bar;
}
