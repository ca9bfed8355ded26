import type { Db } from '../meta/index.js';

/** What a purge removed. */
export interface PurgeResult {
  readonly predictions: number;
  readonly feedback: number;
  /** Rows older than this time (ms since the epoch) were removed. */
  readonly before: number;
}

/**
 * Deletes logged predictions older than `olderThanMs` (optionally of one model) and the feedback joined to them or
 * as old: `monitoring.retention` runs this on a timer in the server; `slipway monitor purge` runs it by hand.
 */
export async function purgePredictions(db: Db, olderThanMs: number, opts: { model?: string; now?: number } = {}): Promise<PurgeResult> {
  const before = (opts.now ?? Date.now()) - olderThanMs;
  return db.tx(async (t) => {
    const modelWhere = opts.model === undefined ? '' : ' AND model = ?';
    const params = opts.model === undefined ? [before] : [before, opts.model];
    const fb = await t.run(
      `DELETE FROM feedback WHERE request_id IN (SELECT request_id FROM predictions WHERE at < ?${modelWhere})`,
      params,
    );
    // Feedback for predictions never logged (sampled out) ages out on its own time.
    const orphanFb = opts.model === undefined ? await t.run(`DELETE FROM feedback WHERE at < ?`, [before]) : { changes: 0 };
    const pr = await t.run(`DELETE FROM predictions WHERE at < ?${modelWhere}`, params);
    return { predictions: pr.changes, feedback: fb.changes + orphanFb.changes, before };
  });
}
