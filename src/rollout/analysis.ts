import type { AnalysisConfig } from '../config/index.js';
import type { Db } from '../meta/index.js';
import { liveSummary, type LiveSummary } from '../monitoring/index.js';
import type { AnalysisCheck } from './rollout-state.js';

/** The verdict over one window and every check behind it. */
export interface StepAnalysis {
  readonly verdict: 'pass' | 'fail' | 'wait';
  readonly checks: readonly AnalysisCheck[];
  readonly canary: LiveSummary;
  readonly stable: LiveSummary;
}

/** Population stability index between two label → count distributions (ε-smoothed, so empty bins do not blow up). */
export function predictionPsi(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): number | null {
  const labels = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const na = Object.values(a).reduce((x, y) => x + y, 0);
  const nb = Object.values(b).reduce((x, y) => x + y, 0);
  if (na === 0 || nb === 0) return null;
  const eps = 1e-4;
  let psi = 0;
  for (const l of labels) {
    const p = Math.max((a[l] ?? 0) / na, eps);
    const q = Math.max((b[l] ?? 0) / nb, eps);
    psi += (q - p) * Math.log(q / p);
  }
  return psi;
}

/** Share of shadow answers that differ from the served answer of the same request, and how many pairs there were. */
export async function shadowDisagreement(
  db: Db,
  model: string,
  shadowVersion: number,
  from: number,
  to: number,
): Promise<{ pairs: number; rate: number | null }> {
  const rows = await db.all<{ a: string | null; b: string | null }>(
    `SELECT p.predicted AS a, s.predicted AS b FROM predictions s JOIN predictions p ON p.request_id || '#shadow' = s.request_id
       WHERE s.model = ? AND s.version = ? AND s.at >= ? AND s.at < ? AND s.request_id LIKE '%#shadow'`,
    [model, shadowVersion, from, to],
  );
  if (rows.length === 0) return { pairs: 0, rate: null };
  return { pairs: rows.length, rate: rows.filter((r) => r.a !== r.b).length / rows.length };
}

/**
 * Judges one step's window [from, to): the canary against its bounds, and against stable since the rollout started.
 * `wait` (the window is extended) when the canary has answered fewer than `min_requests`, or either side has fewer than
 * `min_labelled` labelled answers for an accuracy rule; `fail` when any check fails.
 */
export async function analyseStep(
  db: Db,
  a: AnalysisConfig,
  model: string,
  versions: { stable: number; canary: number; shadow: number | null },
  from: number,
  to: number,
  /** Stable is measured from here (the rollout's start): at high canary weights its own window has too little traffic. */
  stableFrom = from,
): Promise<StepAnalysis> {
  const [canary, stable] = await Promise.all([
    liveSummary(db, model, versions.canary, { from, to, served: true }),
    liveSummary(db, model, versions.stable, { from: Math.min(stableFrom, from), to, served: true }),
  ]);
  const checks: AnalysisCheck[] = [];
  const check = (rule: string, value: number | null, bound: number, ok: (v: number) => boolean, note?: string): void => {
    checks.push({
      rule,
      value,
      bound,
      passed: value === null || ok(value),
      ...(note ? { note } : value === null ? { note: 'too little data; not judged' } : {}),
    });
  };
  checks.push({ rule: 'min_requests', value: canary.requests, bound: a.min_requests, passed: canary.requests >= a.min_requests });
  if (canary.requests < a.min_requests) return { verdict: 'wait', checks, canary, stable };
  check('max_error_rate', canary.errorRate, a.max_error_rate, (v) => v <= a.max_error_rate);
  if (a.max_p99_ms !== undefined) check('max_p99_ms', canary.p99Ms, a.max_p99_ms, (v) => v <= a.max_p99_ms!);
  if (a.max_accuracy_drop !== undefined) {
    // A rule that cannot be measured yet holds the step (the window grows) rather than passing it unjudged.
    if (canary.labelled < a.min_labelled || stable.labelled < a.min_labelled) {
      checks.push({
        rule: 'min_labelled',
        value: Math.min(canary.labelled, stable.labelled),
        bound: a.min_labelled,
        passed: false,
        note: 'waiting for feedback',
      });
      return { verdict: 'wait', checks, canary, stable };
    }
    const drop = canary.accuracy !== null && stable.accuracy !== null ? stable.accuracy - canary.accuracy : null;
    check(
      'max_accuracy_drop',
      drop,
      a.max_accuracy_drop,
      (v) => v <= a.max_accuracy_drop!,
      `canary ${canary.accuracy?.toFixed(4)} on ${canary.labelled}, stable ${stable.accuracy?.toFixed(4)} on ${stable.labelled}`,
    );
  }
  if (a.max_prediction_psi !== undefined)
    check('max_prediction_psi', predictionPsi(stable.predicted, canary.predicted), a.max_prediction_psi, (v) => v <= a.max_prediction_psi!);
  if (a.max_shadow_disagreement !== undefined && versions.shadow !== null) {
    const d = await shadowDisagreement(db, model, versions.shadow, from, to);
    check(
      'max_shadow_disagreement',
      d.rate,
      a.max_shadow_disagreement,
      (v) => v <= a.max_shadow_disagreement!,
      d.pairs ? `${d.pairs} pairs` : undefined,
    );
  }
  return { verdict: checks.every((c) => c.passed) ? 'pass' : 'fail', checks, canary, stable };
}
