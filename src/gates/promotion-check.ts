import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';
import type { GatesConfig } from '../config/gates-schema.js';
import type { GateCheck, ModelVersion } from '../registry/index.js';
import { runGates, type RunGatesOptions } from './run-gates.js';
import type { GateReport } from './types.js';

/**
 * The `checkGates` hook `promote` takes: runs the model's gates (when it has any) and keeps the report for the
 * caller to show. A model with no gates in slipway.yaml passes with no report.
 */
export function promotionGateCheck(
  db: Db,
  store: ObjectStore,
  opts: Omit<RunGatesOptions, 'ref' | 'gates'> & { gates: GatesConfig; onReport?: (r: GateReport) => void },
): (candidate: ModelVersion) => Promise<GateCheck> {
  return async (candidate) => {
    if (!opts.gates[candidate.name]) return { passed: true, reportId: null };
    const report = await runGates(db, store, { ...opts, ref: candidate });
    opts.onReport?.(report);
    return { passed: report.passed, reportId: report.id };
  };
}
