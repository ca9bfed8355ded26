import { parentPort } from 'node:worker_threads';
import { columnDrift, type ColumnJob } from './column-drift.js';
import type { DriftColumnData } from './drift-table.js';

/** One column to judge, by index in the batch. */
export interface DriftWorkerTask {
  readonly id: number;
  readonly ref: DriftColumnData;
  readonly cur: DriftColumnData;
  readonly job: ColumnJob;
}

// Columns arrive on SharedArrayBuffers, so only the small result travels back.
parentPort?.on('message', (t: DriftWorkerTask) => {
  try {
    parentPort!.postMessage({ id: t.id, result: columnDrift(t.ref, t.cur, t.job) });
  } catch (e) {
    parentPort!.postMessage({ id: t.id, error: (e as Error).message });
  }
});
