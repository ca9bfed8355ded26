import { datasetVersionsWithTrees } from '../data/index.js';
import type { Db } from '../meta/index.js';
import { startRun, type DatasetInput, type Run, type StartRunOptions } from '../tracking/index.js';

/** The part of the tracking SDK the pipeline uses (src/tracking/index.ts). */
export interface TrackingApi {
  startRun(opts: StartRunOptions): Promise<Run>;
}

/** The tracking SDK every stage run is recorded with (imported statically: a broken import fails loudly). */
export async function loadTracking(): Promise<TrackingApi | undefined> {
  return { startRun };
}

/** The dataset versions whose tree hashes equal some of these dependency hashes (deps that are dataset checkouts). */
export async function datasetInputsFor(db: Db, treeHashes: readonly string[]): Promise<DatasetInput[]> {
  try {
    return (await datasetVersionsWithTrees(db, treeHashes)).map((r) => ({ dataset: r.name, version: r.version, treeHash: r.treeHash }));
  } catch {
    return [];
  }
}
