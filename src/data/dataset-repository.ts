import type { Db } from '../meta/index.js';
import type { DatasetProfile } from './profile.js';

/** One version of a dataset: a named tree with a profile. */
export interface DatasetVersion {
  name: string;
  version: number;
  treeHash: string;
  files: number;
  bytes: number;
  message: string | null;
  profile: DatasetProfile | null;
  createdAt: number;
}

interface VersionRow {
  name: string;
  version: number | string;
  tree_hash: string;
  files: number | string;
  bytes: number | string;
  message: string | null;
  profile_json: string | null;
  created_at: number | string;
}

const COLS = 'name, version, tree_hash, files, bytes, message, profile_json, created_at';

function fromRow(r: VersionRow): DatasetVersion {
  return {
    name: r.name,
    version: Number(r.version),
    treeHash: r.tree_hash,
    files: Number(r.files),
    bytes: Number(r.bytes),
    message: r.message,
    profile: r.profile_json ? (JSON.parse(r.profile_json) as DatasetProfile) : null,
    createdAt: Number(r.created_at),
  };
}

/** The given version of a dataset, or the latest when `version` is undefined. */
export async function findDatasetVersion(db: Db, name: string, version?: number): Promise<DatasetVersion | undefined> {
  const row =
    version === undefined
      ? await db.get<VersionRow>(`SELECT ${COLS} FROM dataset_versions WHERE name = ? ORDER BY version DESC LIMIT 1`, [name])
      : await db.get<VersionRow>(`SELECT ${COLS} FROM dataset_versions WHERE name = ? AND version = ?`, [name, version]);
  return row ? fromRow(row) : undefined;
}

/** Whether a dataset with this name exists. */
export async function datasetExists(db: Db, name: string): Promise<boolean> {
  return (await db.get('SELECT name FROM datasets WHERE name = ?', [name])) !== undefined;
}

/** Every version of one dataset, oldest first. */
export async function listDatasetVersions(db: Db, name: string): Promise<DatasetVersion[]> {
  return (await db.all<VersionRow>(`SELECT ${COLS} FROM dataset_versions WHERE name = ? ORDER BY version`, [name])).map(fromRow);
}

/** The latest version of every dataset, by name. */
export async function listLatestDatasetVersions(db: Db): Promise<(DatasetVersion & { versions: number })[]> {
  const rows = await db.all<VersionRow & { n: number | string }>(
    `SELECT ${COLS.split(', ')
      .map((c) => `v.${c}`)
      .join(', ')}, c.n FROM dataset_versions v
     JOIN (SELECT name AS cname, MAX(version) AS maxv, COUNT(*) AS n FROM dataset_versions GROUP BY name) c
       ON v.name = c.cname AND v.version = c.maxv
     ORDER BY v.name`,
  );
  return rows.map((r) => ({ ...fromRow(r), versions: Number(r.n) }));
}

/** Inserts the next version of a dataset (creating the dataset) in one transaction; returns it. */
export async function insertDatasetVersion(
  db: Db,
  v: { name: string; treeHash: string; files: number; bytes: number; message: string | null; profile: DatasetProfile | null },
  now: number = Date.now(),
): Promise<DatasetVersion> {
  return db.tx(async (tx) => {
    if (!(await datasetExists(tx, v.name))) await tx.run('INSERT INTO datasets (name, created_at) VALUES (?, ?)', [v.name, now]);
    const last = await tx.get<{ v: number | string | null }>('SELECT MAX(version) AS v FROM dataset_versions WHERE name = ?', [v.name]);
    const version = Number(last?.v ?? 0) + 1;
    await tx.run(`INSERT INTO dataset_versions (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
      v.name,
      version,
      v.treeHash,
      v.files,
      v.bytes,
      v.message,
      v.profile ? JSON.stringify(v.profile) : null,
      now,
    ]);
    return { ...v, version, createdAt: now };
  });
}

/** Deletes one version of a dataset (or all with `version` undefined; then the dataset too); returns how many went. */
export async function deleteDatasetVersions(db: Db, name: string, version?: number): Promise<number> {
  return db.tx(async (tx) => {
    const res =
      version === undefined
        ? await tx.run('DELETE FROM dataset_versions WHERE name = ?', [name])
        : await tx.run('DELETE FROM dataset_versions WHERE name = ? AND version = ?', [name, version]);
    const left = await tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM dataset_versions WHERE name = ?', [name]);
    if (Number(left?.n ?? 0) === 0) await tx.run('DELETE FROM datasets WHERE name = ?', [name]);
    return res.changes;
  });
}
