/** One rule's verdict: the rule, what was measured, the bound it had to meet. */
export interface GateResult {
  /** The rule kind: metric, no_regression, class_floor, slice_floor, beat_baseline, latency, size, robustness, determinism. */
  readonly gate: string;
  /** The rule as people read it, e.g. `accuracy >= 0.97`. */
  readonly rule: string;
  readonly value: number | null;
  readonly bound: string;
  readonly passed: boolean;
  readonly detail?: string;
}

/** Timings of one gates run: the model's own prediction time and the total. */
export interface GateTimings {
  readonly totalMs: number;
  /** Time inside the model runtimes' predict calls (the model's own evaluation time). */
  readonly predictMs: number;
  /** Time loading the model runtimes. */
  readonly loadMs: number;
}

/** A gates run: verdict, per-rule results, the evaluation's metrics, and a Markdown table. */
export interface GateReport {
  /** The id under which the report is stored (gate_reports), or null when not saved. */
  readonly id: string | null;
  readonly model: string;
  readonly version: number;
  readonly dataset: string;
  readonly rows: number;
  readonly passed: boolean;
  readonly results: readonly GateResult[];
  /** The candidate's metrics on the evaluation data. */
  readonly metrics: Readonly<Record<string, number>>;
  /** The version behind the compared alias and its metrics on the same data (no_regression rules). */
  readonly compared: readonly { readonly alias: string; readonly version: number; readonly metrics: Readonly<Record<string, number>> }[];
  readonly timings: GateTimings;
  readonly markdown: string;
  readonly createdAt: number;
}
