import type { Db } from '../meta/index.js';
import { SlipwayError } from '../errors/index.js';
import type { Signature } from '../engine/signature.js';
import type { AliasRecord, Lineage, ModelFormat, ModelSummary, ModelVersion } from './types.js';

interface VersionRow {
  name: string;
  version: number;
  tree_hash: string;
  format: string;
  signature_json: string;
  metrics_json: string | null;
  params_json: string | null;
  run_id: string | null;
  lineage_json: string | null;
  description: string | null;
  created_at: number;
}

const VERSION_COLUMNS = `name, version, tree_hash, format, signature_json, metrics_json, params_json, run_id, lineage_json, description, created_at`;

function toVersion(r: VersionRow): ModelVersion {
  return {
    name: r.name,
    version: Number(r.version),
    treeHash: r.tree_hash,
    format: r.format as ModelFormat,
    signature: JSON.parse(r.signature_json) as Signature,
    metrics: r.metrics_json ? (JSON.parse(r.metrics_json) as Record<string, number>) : {},
    params: r.params_json ? (JSON.parse(r.params_json) as Record<string, string>) : {},
    runId: r.run_id,
    lineage: r.lineage_json ? (JSON.parse(r.lineage_json) as Lineage) : { source: 'path', datasets: [], parent: null },
    description: r.description,
    createdAt: Number(r.created_at),
  };
}

/** True when the model exists. */
export async function modelExists(db: Db, name: string): Promise<boolean> {
  return (await db.get(`SELECT name FROM models WHERE name = ?`, [name])) !== undefined;
}

/** Throws MODEL_NOT_FOUND unless the model exists. */
export async function requireModel(db: Db, name: string): Promise<void> {
  if (!(await modelExists(db, name)))
    throw new SlipwayError(
      'MODEL_NOT_FOUND',
      `no model named "${name}"; see \`slipway models list\` or register one with \`slipway models register\``,
      {
        model: name,
      },
    );
}

/** One version, or undefined. */
export async function findVersion(db: Db, name: string, version: number): Promise<ModelVersion | undefined> {
  const r = await db.get<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM model_versions WHERE name = ? AND version = ?`, [name, version]);
  return r ? toVersion(r) : undefined;
}

/** One version; MODEL_NOT_FOUND or MODEL_VERSION_NOT_FOUND when absent. */
export async function getVersion(db: Db, name: string, version: number): Promise<ModelVersion> {
  const v = await findVersion(db, name, version);
  if (v) return v;
  await requireModel(db, name);
  const latest = await latestVersionNumber(db, name);
  throw new SlipwayError(
    'MODEL_VERSION_NOT_FOUND',
    `model "${name}" has no version ${version} (its versions are 1..${latest ?? 0}); see \`slipway models show ${name}\``,
    { model: name, version },
  );
}

/** The highest version number of a model, or null. */
export async function latestVersionNumber(db: Db, name: string): Promise<number | null> {
  const r = await db.get<{ v: number | null }>(`SELECT MAX(version) AS v FROM model_versions WHERE name = ?`, [name]);
  return r?.v === null || r?.v === undefined ? null : Number(r.v);
}

/** Inserts a version row (inside the caller's transaction). */
export async function insertVersion(db: Db, v: ModelVersion): Promise<void> {
  await db.run(`INSERT INTO model_versions (${VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    v.name,
    v.version,
    v.treeHash,
    v.format,
    JSON.stringify(v.signature),
    JSON.stringify(v.metrics),
    JSON.stringify(v.params),
    v.runId,
    JSON.stringify(v.lineage),
    v.description,
    v.createdAt,
  ]);
}

/** Every version of a model, newest first (`limit`/`offset` page through them). */
export async function listVersions(db: Db, name: string, page: { limit?: number; offset?: number } = {}): Promise<ModelVersion[]> {
  await requireModel(db, name);
  const rows = await db.all<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM model_versions WHERE name = ? ORDER BY version DESC LIMIT ? OFFSET ?`,
    [name, page.limit ?? 1_000_000, page.offset ?? 0],
  );
  return rows.map(toVersion);
}

/** Every model with its version count, latest version and aliases. */
export async function listModels(db: Db): Promise<ModelSummary[]> {
  const rows = await db.all<{ name: string; description: string | null; created_at: number; latest: number | null; n: number }>(
    `SELECT m.name, m.description, m.created_at, MAX(v.version) AS latest, COUNT(v.version) AS n
       FROM models m LEFT JOIN model_versions v ON v.name = m.name GROUP BY m.name, m.description, m.created_at ORDER BY m.name`,
  );
  const aliases = await db.all<{ model: string; alias: string; version: number }>(
    `SELECT model, alias, version FROM aliases ORDER BY alias`,
  );
  const byModel = new Map<string, Record<string, number>>();
  for (const a of aliases) {
    const m = byModel.get(a.model) ?? {};
    m[a.alias] = Number(a.version);
    byModel.set(a.model, m);
  }
  return rows.map((r) => ({
    name: r.name,
    description: r.description,
    createdAt: Number(r.created_at),
    latestVersion: r.latest === null ? null : Number(r.latest),
    versions: Number(r.n),
    aliases: byModel.get(r.name) ?? {},
  }));
}

/** Every alias of a model and the version it points to. */
export async function listAliases(db: Db, model: string): Promise<AliasRecord[]> {
  await requireModel(db, model);
  const rows = await db.all<{ model: string; alias: string; version: number; updated_at: number }>(
    `SELECT model, alias, version, updated_at FROM aliases WHERE model = ? ORDER BY alias`,
    [model],
  );
  return rows.map((r) => ({ model: r.model, alias: r.alias, version: Number(r.version), updatedAt: Number(r.updated_at) }));
}

/** The version an alias points to now, or null when the alias is unset. */
export async function aliasVersion(db: Db, model: string, alias: string): Promise<number | null> {
  const r = await db.get<{ version: number }>(`SELECT version FROM aliases WHERE model = ? AND alias = ?`, [model, alias]);
  return r ? Number(r.version) : null;
}
