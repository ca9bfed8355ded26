import type { Db } from '../meta/index.js';
import { getRun, type RunRecord } from '../tracking/index.js';

/** The part of a run the registry needs for lineage. */
export type RunSource = Pick<RunRecord, 'id' | 'experiment' | 'code' | 'params' | 'metrics' | 'inputs' | 'artifacts'>;

/** Reads a run for registration through the tracking API (RUN_NOT_FOUND when absent). */
export async function readRunSource(db: Db, runId: string): Promise<RunSource> {
  return getRun(db, runId);
}
