import type { GatesConfig } from '../config/gates-schema.js';
import { SlipwayError, isSlipwayError } from '../errors/index.js';
import type { Db } from '../meta/index.js';
import { promote, type AliasMove, type PromoteOptions } from '../registry/index.js';
import type { ObjectStore } from '../store/index.js';
import { getGateReport } from './gate-report-repository.js';
import { promotionGateCheck } from './promotion-check.js';
import type { GateReport } from './types.js';

/** Options of `promoteWithGates`: `promote`'s, with the gates of slipway.yaml instead of a gate-check hook. */
export interface PromoteWithGatesOptions extends Omit<PromoteOptions, 'checkGates'> {
  /** The `gates:` section of slipway.yaml (a model without a gate set passes with no report). */
  readonly gates: GatesConfig;
  /** Evaluate on this dataset version or path instead of the gate set's. */
  readonly dataset?: string | undefined;
  /** The workspace root (dataset paths are relative to it). */
  readonly root: string;
}

/** The alias moved (with the gate report, when the model has gates), or the gates failed and nothing moved. */
export type PromoteWithGatesResult =
  | { readonly moved: true; readonly move: AliasMove; readonly gateReport: GateReport | null }
  | { readonly moved: false; readonly error: SlipwayError; readonly gateReport: GateReport | null };

/**
 * Runs the candidate's gates and moves the alias only when they pass (or when forced with a reason): the one
 * promote-with-gates use case behind `slipway models promote` and `POST /api/models/:name/aliases/:alias/promote`.
 * Failed gates are a result (GATES_NOT_PASSED with the report), not a throw; every other error throws.
 */
export async function promoteWithGates(db: Db, store: ObjectStore, opts: PromoteWithGatesOptions): Promise<PromoteWithGatesResult> {
  const { gates, dataset, root, ...rest } = opts;
  let report: GateReport | undefined;
  try {
    const r = await promote(db, {
      ...rest,
      checkGates: promotionGateCheck(db, store, { gates, dataset, root, onReport: (x) => (report = x) }),
    });
    return { moved: true, move: r.move, gateReport: report ?? null };
  } catch (e) {
    if (!isSlipwayError(e, 'GATES_NOT_PASSED')) throw e;
    const id = e.details?.gateReportId;
    report ??= typeof id === 'string' ? await getGateReport(db, id) : undefined;
    return { moved: false, error: e, gateReport: report ?? null };
  }
}
