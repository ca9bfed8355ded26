import type { Db } from '../meta/index.js';

/** A dataset version's identity and tree: what other capabilities (pipeline deps, triggers) ask of the data tables. */
export interface DatasetTreeRef {
  readonly name: string;
  readonly version: number;
  readonly treeHash: string;
}

/** The dataset versions whose tree is one of `treeHashes` (a folder dependency that is a dataset checkout). */
export async function datasetVersionsWithTrees(db: Db, treeHashes: readonly string[]): Promise<DatasetTreeRef[]> {
  if (treeHashes.length === 0) return [];
  const rows = await db.all<{ name: string; version: number; tree_hash: string }>(
    `SELECT name, version, tree_hash FROM dataset_versions WHERE tree_hash IN (${treeHashes.map(() => '?').join(', ')})`,
    treeHashes,
  );
  return rows.map((r) => ({ name: r.name, version: Number(r.version), treeHash: r.tree_hash }));
}

/** The newest version number of dataset `name`, or null when it has none. */
export async function latestDatasetVersionNumber(db: Db, name: string): Promise<number | null> {
  const row = await db.get<{ v: number | string | null }>('SELECT MAX(version) AS v FROM dataset_versions WHERE name = ?', [name]);
  return row?.v === null || row?.v === undefined ? null : Number(row.v);
}
