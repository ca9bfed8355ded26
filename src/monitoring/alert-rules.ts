import type { MonitoringReport } from './monitoring-report.js';
import type { DataDriftReport } from './drift/drift-engine.js';

/** A metric bound (`metric` with `min`/`max`) or a drift bound (`drift` with `psi_max`/`p_min`), as in slipway.yaml. */
export type AlertRule =
  | {
      readonly name: string;
      readonly metric: string;
      readonly min?: number | undefined;
      readonly max?: number | undefined;
      /** Quality metrics are judged only with at least this many labelled rows (default 1). */
      readonly min_labelled?: number | undefined;
    }
  | {
      readonly name: string;
      readonly drift: 'prediction' | 'features';
      readonly psi_max?: number | undefined;
      readonly p_min?: number | undefined;
    }
  | {
      readonly name: string;
      /** Live inputs against the training data with `slipway drift`'s engine; fires when the dataset drifts. */
      readonly drift: 'dataset';
      readonly method?: string | undefined;
      readonly threshold?: number | undefined;
      /** The drifting-column share at which the dataset drifts (default 0.5). */
      readonly share?: number | undefined;
    };

/** One bound of one rule, judged against a report. */
export interface AlertResult {
  readonly name: string;
  /** What was checked, e.g. `accuracy >= 0.9` or `prediction drift psi <= 0.25`. */
  readonly rule: string;
  readonly value: number | null;
  readonly bound: number;
  readonly fired: boolean;
  /** Why the rule could not be judged (no feedback, too few labels, no drift data); such rules never fire. */
  readonly skipped?: string;
}

const QUALITY = new Set(['accuracy', 'precision', 'recall', 'f1']);

function metricValue(r: MonitoringReport, metric: string): number | null {
  const q = r.quality;
  switch (metric) {
    case 'accuracy':
      return q ? q.accuracy : null;
    case 'precision':
    case 'recall':
    case 'f1':
      return q ? q.macro[metric] : null;
    case 'error_rate':
      return r.errorRate;
    case 'server_error_rate':
      return r.serverErrorRate;
    case 'request_rate':
      return r.requestRate;
    case 'requests':
      return r.requests;
    case 'latency_p50_ms':
      return r.latencyMs.p50;
    case 'latency_p95_ms':
      return r.latencyMs.p95;
    case 'latency_p99_ms':
      return r.latencyMs.p99;
    case 'latency_mean_ms':
      return r.latencyMs.mean;
    default:
      return null;
  }
}

function judge(name: string, what: string, value: number | null, op: '>=' | '<=' | '<', bound: number, skipped?: string): AlertResult {
  const rule = `${what} ${op} ${bound}`;
  if (skipped !== undefined || value === null) return { name, rule, value, bound, fired: false, skipped: skipped ?? 'no data' };
  return { name, rule, value, bound, fired: op === '>=' ? !(value >= bound) : op === '<' ? !(value < bound) : !(value <= bound) };
}

/**
 * Evaluates alert rules against a monitoring report; a rule with two bounds yields two results. `dataset` drift
 * rules read `datasetDrift` (by rule name: the share of drifting columns, or why it could not be computed).
 */
export function evaluateAlerts(
  report: MonitoringReport,
  rules: readonly AlertRule[],
  datasetDrift: ReadonlyMap<string, DataDriftReport | string> = new Map(),
): AlertResult[] {
  const out: AlertResult[] = [];
  for (const rule of rules) {
    if ('metric' in rule) {
      let skipped: string | undefined;
      const value = metricValue(report, rule.metric);
      if (QUALITY.has(rule.metric)) {
        const labelled = report.quality?.labelled ?? 0;
        const need = Math.max(1, rule.min_labelled ?? 1);
        if (labelled < need) skipped = `${labelled} labelled rows, fewer than ${need}`;
      } else if (value === null) skipped = `unknown metric ${rule.metric}`;
      if (rule.min !== undefined) out.push(judge(rule.name, rule.metric, value, '>=', rule.min, skipped));
      if (rule.max !== undefined) out.push(judge(rule.name, rule.metric, value, '<=', rule.max, skipped));
    } else if (rule.drift === 'dataset') {
      const d = datasetDrift.get(rule.name);
      const skipped = d === undefined ? 'live drift against the training data not computed' : typeof d === 'string' ? d : undefined;
      const share = typeof d === 'object' ? d.shareOfDriftedColumns : null;
      // Evidently: the dataset drifts when the share is at least the bound.
      out.push(judge(rule.name, 'share of drifting input columns', share, '<', rule.share ?? 0.5, skipped));
    } else {
      const d = report.drift;
      const part = rule.drift === 'prediction' ? d.prediction : d.features;
      const skipped = part ? undefined : rule.drift === 'prediction' ? 'no predictions in a window' : 'no numeric inputs logged';
      const psiValue = part ? ('maxPsi' in part ? part.maxPsi : part.psi) : null;
      const pValue = part ? ('minPValue' in part ? part.minPValue : part.pValue) : null;
      const what = rule.drift === 'prediction' ? 'prediction drift' : 'max feature drift';
      if (rule.psi_max !== undefined) out.push(judge(rule.name, `${what} psi`, psiValue, '<=', rule.psi_max, skipped));
      if (rule.p_min !== undefined) out.push(judge(rule.name, `${what} p-value`, pValue, '>=', rule.p_min, skipped));
    }
  }
  return out;
}
