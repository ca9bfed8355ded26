import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';
import { readTree } from '../store/index.js';
import { SlipwayError } from '../errors/index.js';
import type { GatesConfig, GateSetConfig } from '../config/gates-schema.js';
import { loadModelRuntime, type ModelRuntime } from '../runtime/index.js';
import {
  aliasVersion,
  checkoutModelVersion,
  resolveModelRef,
  resolveVersion,
  versionRef,
  type ModelRef,
  type ModelVersion,
} from '../registry/index.js';
import { inputRowShape, loadEvalData } from './eval-data.js';
import { detectTask, evaluate, predictedClasses } from './metrics.js';
import { predictAll, type PredictClock } from './predictions.js';
import { evaluateRule, validateRules } from './rules.js';
import { gateReportMarkdown } from './report-markdown.js';
import { saveGateReport } from './gate-report-repository.js';
import type { GateReport, GateResult } from './types.js';

/** Options of `runGates`. */
export interface RunGatesOptions {
  /** The candidate: `name@N`, `name:alias`, or a resolved version. */
  readonly ref: string | ModelRef | ModelVersion;
  /** The `gates:` section of slipway.yaml; the candidate's model name picks its gate set. */
  readonly gates: GatesConfig;
  /** Evaluate on this dataset version or path instead of the gate set's. */
  readonly dataset?: string | undefined;
  /** The workspace root (dataset paths are relative to it). */
  readonly root: string;
  /** Scratch folder for checkouts (default `<root>/.slipway/tmp`). */
  readonly tmpDir?: string | undefined;
  /** Loads a model folder as a runtime (default: the serving runtimes). */
  readonly loadRuntime?: ((dir: string) => Promise<ModelRuntime>) | undefined;
  /** Store the report in gate_reports (default true). */
  readonly save?: boolean | undefined;
}

/** The gate set declared for `model`, or GATE_INVALID. */
export function gateSetFor(gates: GatesConfig, model: string): GateSetConfig {
  const set = gates[model];
  if (!set)
    throw new SlipwayError(
      'GATE_INVALID',
      `slipway.yaml declares no gates for model "${model}"; add a \`gates: ${model}:\` section with a dataset and rules`,
      {
        model,
      },
    );
  return set;
}

/**
 * Evaluates a model version against its gate set: one set of predictions on the evaluation data feeds every metric
 * rule; no_regression rules evaluate the alias' current version on the same data in the same run. Configuration and
 * data problems (unknown metric, data that does not fit the signature) fail before any model runs.
 */
export async function runGates(db: Db, store: ObjectStore, opts: RunGatesOptions): Promise<GateReport> {
  const t0 = performance.now();
  const candidate = await resolveVersion(db, opts.ref);
  const set = gateSetFor(opts.gates, candidate.name);
  const tmpRoot = opts.tmpDir ?? join(opts.root, '.slipway', 'tmp');
  mkdirSync(tmpRoot, { recursive: true });
  const data = await loadEvalData(
    db,
    store,
    { dataset: opts.dataset ?? set.dataset, target: set.target, scale: set.scale },
    { root: opts.root, tmpDir: tmpRoot },
  );
  const rowShape = inputRowShape(candidate.signature.inputs, data);
  const task = detectTask(candidate.signature, data.y, data.classNames);
  if (task.kind === 'classification') {
    const bad = data.y.findIndex((v) => !(v >= 0 && v < task.numClasses && Number.isInteger(v)));
    if (bad >= 0)
      throw new SlipwayError(
        'SIGNATURE_MISMATCH',
        `${data.source} row ${bad + 1} has label ${data.y[bad]} but the model predicts ${task.numClasses} classes (0..${task.numClasses - 1})`,
        { source: data.source },
      );
  }
  validateRules(set.rules, task, data, candidate.name);
  // Resolve the compared versions up front so a mismatched one fails before anything runs.
  const against = new Map<string, ModelVersion | null>();
  for (const r of set.rules)
    if ('no_regression' in r && !against.has(r.no_regression.against)) {
      const v = await aliasVersion(db, candidate.name, r.no_regression.against);
      const mv = v === null ? null : await resolveModelRef(db, versionRef(candidate.name, v));
      if (mv) inputRowShape(mv.signature.inputs, data);
      against.set(r.no_regression.against, mv);
    }
  const x = data.x;
  const load = opts.loadRuntime ?? ((dir: string) => loadModelRuntime(dir));
  const clock: PredictClock = { ms: 0, calls: 0 };
  let loadMs = 0;
  const work = mkdtempSync(join(tmpRoot, 'gates-'));
  const runtimes: ModelRuntime[] = [];
  const open = async (mv: ModelVersion): Promise<ModelRuntime> => {
    const dir = join(work, `${mv.version}`);
    await checkoutModelVersion(db, store, { name: mv.name, kind: 'version', version: mv.version }, dir);
    const l0 = performance.now();
    const rt = await load(dir);
    loadMs += performance.now() - l0;
    runtimes.push(rt);
    return rt;
  };
  try {
    const runtime = await open(candidate);
    const preds = await predictAll(runtime, x, data.rows, rowShape, set.batch_size, clock);
    const classes = task.kind === 'classification' ? predictedClasses(preds, task) : null;
    const overall = evaluate(task, preds, data.y, classes);
    const compared = new Map<string, { version: number; metrics: Readonly<Record<string, number>> } | null>();
    for (const [alias, mv] of against) {
      if (!mv) {
        compared.set(alias, null);
        continue;
      }
      const rt = mv.version === candidate.version ? runtime : await open(mv);
      const p = mv.version === candidate.version ? preds : await predictAll(rt, x, data.rows, rowShape, set.batch_size, clock);
      compared.set(alias, {
        version: mv.version,
        metrics: evaluate(task, p, data.y, task.kind === 'classification' ? predictedClasses(p, task) : null).metrics,
      });
    }
    const modelBytes = readTree(store, candidate.treeHash).entries.reduce((a, e) => a + e.size, 0);
    const ctx = {
      task,
      data,
      x,
      rowShape,
      batchSize: set.batch_size,
      runtime,
      preds,
      classes,
      overall,
      clock,
      modelBytes,
      compared,
      versionMetrics: candidate.metrics,
    };
    const results: GateResult[] = [];
    for (const r of set.rules) results.push(await evaluateRule(r, ctx));
    const passed = results.every((r) => r.passed);
    const head = { model: candidate.name, version: candidate.version, dataset: data.source, rows: data.rows, passed };
    const report: Omit<GateReport, 'id'> = {
      ...head,
      results,
      metrics: overall.metrics,
      compared: [...compared].flatMap(([alias, c]) => (c ? [{ alias, version: c.version, metrics: c.metrics }] : [])),
      timings: { totalMs: performance.now() - t0, predictMs: clock.ms, loadMs },
      markdown: gateReportMarkdown(head, results),
      createdAt: Date.now(),
    };
    return opts.save === false ? { ...report, id: null } : await saveGateReport(db, report);
  } finally {
    await Promise.all(runtimes.map((r) => r.close().catch(() => undefined)));
    rmSync(work, { recursive: true, force: true });
  }
}
