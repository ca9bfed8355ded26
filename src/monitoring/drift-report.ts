import type { MonitoringConfig } from '../config/serving-schema.js';
import { parseWindow } from './parse-window.js';
import type { Db } from '../meta/index.js';
import { categoricalPsi, chiSquaredTest, ksTest, psi } from './drift-stats.js';
import { labelsOf } from './labels-of.js';
import { featureRows } from './drift-features.js';

/** Drift thresholds and work caps (slipway.yaml `monitoring.drift`). */
export interface DriftSettings {
  /** The reference window length, ending where the current window starts (default: the current window's length). */
  readonly referenceMs?: number | undefined;
  /** Tests with p below this flag a warning (default 0.05). */
  readonly pValue?: number | undefined;
  /** PSI at or above these warns / alerts (defaults 0.1 and 0.25). */
  readonly psiWarn?: number | undefined;
  readonly psiAlert?: number | undefined;
  /** Numeric input features tested with KS and PSI after a cheap screen (default 32), and PSI bins (default 10). */
  readonly maxFeatures?: number | undefined;
  readonly bins?: number | undefined;
  /** Newest logged rows read per window (default 5000). */
  readonly maxRows?: number | undefined;
  /** Features listed in the report, most drifted first (default 10). */
  readonly top?: number | undefined;
}

/** ok, warn (PSI ≥ warn or p < threshold), alert (PSI ≥ alert), or no_data when a window has nothing to compare. */
export type DriftStatus = 'ok' | 'warn' | 'alert' | 'no_data';

/** Drift of one numeric input feature. */
export interface FeatureDrift {
  readonly feature: string;
  readonly ks: number;
  readonly pValue: number;
  readonly psi: number;
  readonly status: DriftStatus;
}

/** How the current window's predictions and inputs differ from the reference window's. */
export interface DriftReport {
  readonly reference: { readonly from: number; readonly to: number; readonly requests: number };
  readonly current: { readonly from: number; readonly to: number; readonly requests: number };
  readonly thresholds: { readonly pValue: number; readonly psiWarn: number; readonly psiAlert: number };
  readonly status: DriftStatus;
  /** Distribution of predicted classes: chi-squared test of homogeneity and PSI. */
  readonly prediction: {
    readonly status: DriftStatus;
    readonly psi: number;
    readonly chi2: number;
    readonly df: number;
    readonly pValue: number;
    readonly classes: readonly { readonly label: string; readonly reference: number; readonly current: number }[];
  } | null;
  /** Numeric input drift, null when inputs are not logged as flat numeric vectors. */
  readonly features: {
    readonly status: DriftStatus;
    /** Width of the logged input vectors, features with any variance, and those tested after the screen. */
    readonly width: number;
    readonly varying: number;
    readonly tested: number;
    /** Tested features at warn or alert. */
    readonly drifted: number;
    readonly maxPsi: number;
    readonly minPValue: number;
    readonly top: readonly FeatureDrift[];
  } | null;
}

interface Row {
  predicted: string | null;
  input_json: string | null;
}

const WORST: readonly DriftStatus[] = ['no_data', 'ok', 'warn', 'alert'];
function worst(a: DriftStatus, b: DriftStatus): DriftStatus {
  return WORST.indexOf(a) >= WORST.indexOf(b) ? a : b;
}

function classify(psiValue: number, p: number, t: DriftReport['thresholds']): DriftStatus {
  if (psiValue >= t.psiAlert) return 'alert';
  if (psiValue >= t.psiWarn || p < t.pValue) return 'warn';
  return 'ok';
}

function countLabels(rows: readonly Row[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) if (r.predicted !== null) for (const l of labelsOf(String(r.predicted))) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

/**
 * Compares the window [from, to] with the reference window just before it. Wide inputs are capped: only features
 * with variance are screened (|Δmean|/pooled sd + |ln sd ratio|), and the `maxFeatures` highest get KS and PSI;
 * a feature's KS p-value warns below `pValue / varying features` (Bonferroni).
 */
/** Drift settings from the `monitoring:` section of slipway.yaml, with an optional reference-window override. */
export function driftSettings(m: MonitoringConfig | undefined, reference?: string): DriftSettings {
  const d = m?.drift;
  const ref = reference ?? d?.reference;
  return {
    referenceMs: ref === undefined ? undefined : parseWindow(ref),
    pValue: d?.p_value,
    psiWarn: d?.psi_warn,
    psiAlert: d?.psi_alert,
    maxFeatures: d?.max_features,
    bins: d?.bins,
    maxRows: d?.max_rows,
  };
}

export async function driftReport(db: Db, model: string, from: number, to: number, s: DriftSettings = {}): Promise<DriftReport> {
  const refMs = s.referenceMs ?? to - from;
  const maxRows = s.maxRows ?? 5000;
  const t = { pValue: s.pValue ?? 0.05, psiWarn: s.psiWarn ?? 0.1, psiAlert: s.psiAlert ?? 0.25 };
  const q = `SELECT predicted, input_json FROM predictions WHERE model = ? AND at >= ? AND at __OP ? AND status < 400 ORDER BY at DESC LIMIT ${Math.max(1, Math.floor(maxRows))}`;
  const cur = await db.all<Row>(q.replace('__OP', '<='), [model, from, to]);
  const ref = await db.all<Row>(q.replace('__OP', '<'), [model, from - refMs, from]);

  let prediction: DriftReport['prediction'] = null;
  const rc = countLabels(ref);
  const cc = countLabels(cur);
  if (rc.size > 0 && cc.size > 0) {
    const chi = chiSquaredTest(rc, cc);
    const p = categoricalPsi(rc, cc);
    const labels = [...new Set([...rc.keys(), ...cc.keys()])].sort();
    prediction = {
      status: classify(p, chi.pValue, t),
      psi: p,
      chi2: chi.statistic,
      df: chi.df,
      pValue: chi.pValue,
      classes: labels.map((label) => ({ label, reference: rc.get(label) ?? 0, current: cc.get(label) ?? 0 })),
    };
  }
  const features = featureDrift(ref, cur, t, s);
  return {
    reference: { from: from - refMs, to: from, requests: ref.length },
    current: { from, to, requests: cur.length },
    thresholds: t,
    status: worst(prediction?.status ?? 'no_data', features?.status ?? 'no_data'),
    prediction,
    features,
  };
}

function featureDrift(ref: readonly Row[], cur: readonly Row[], t: DriftReport['thresholds'], s: DriftSettings): DriftReport['features'] {
  const r = featureRows(ref.map((x) => x.input_json));
  if (!r) return null;
  const c = featureRows(
    cur.map((x) => x.input_json),
    r.names.length,
  );
  if (!c || c.rows.length === 0 || r.rows.length === 0) return null;
  const width = r.names.length;
  const column = (rows: readonly Float64Array[], j: number): Float64Array => Float64Array.from(rows, (v) => v[j]!);
  const stats = (rows: readonly Float64Array[], j: number): { mean: number; variance: number } => {
    let m = 0;
    let m2 = 0;
    for (const v of rows) m += v[j]!;
    m /= rows.length;
    for (const v of rows) m2 += (v[j]! - m) ** 2;
    return { mean: m, variance: m2 / rows.length };
  };
  const screened: { j: number; score: number }[] = [];
  for (let j = 0; j < width; j++) {
    const a = stats(r.rows, j);
    const b = stats(c.rows, j);
    if (a.variance === 0 && b.variance === 0 && a.mean === b.mean) continue;
    const pooled = Math.sqrt((a.variance + b.variance) / 2) || 1e-12;
    const sdRatio = Math.log((Math.sqrt(b.variance) + 1e-12) / (Math.sqrt(a.variance) + 1e-12));
    screened.push({ j, score: Math.abs(b.mean - a.mean) / pooled + Math.abs(sdRatio) });
  }
  screened.sort((x, y) => y.score - x.score);
  // Bonferroni over every varying feature: the screen picks the most different ones, so raw p-values would warn on noise.
  const ft = { ...t, pValue: t.pValue / Math.max(1, screened.length) };
  const tested = screened.slice(0, s.maxFeatures ?? 32).map(({ j }): FeatureDrift => {
    const a = column(r.rows, j);
    const b = column(c.rows, j);
    const ks = ksTest(a, b);
    const p = psi(a, b, s.bins ?? 10);
    return { feature: r.names[j]!, ks: ks.statistic, pValue: ks.pValue, psi: p, status: classify(p, ks.pValue, ft) };
  });
  tested.sort((x, y) => y.psi - x.psi || x.pValue - y.pValue);
  return {
    status: tested.reduce<DriftStatus>((w, f) => worst(w, f.status), tested.length > 0 ? 'ok' : 'no_data'),
    width,
    varying: screened.length,
    tested: tested.length,
    drifted: tested.filter((f) => f.status === 'warn' || f.status === 'alert').length,
    maxPsi: tested.reduce((m, f) => Math.max(m, f.psi), 0),
    minPValue: tested.reduce((m, f) => Math.min(m, f.pValue), 1),
    top: tested.slice(0, s.top ?? 10),
  };
}
