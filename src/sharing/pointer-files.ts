import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { Db } from '../meta/index.js';
import { SlipwayError } from '../errors/index.js';
import { isHash, writeFileAtomic } from '../store/index.js';

/**
 * Versions that travel with git: one small YAML file per dataset (`slipway/datasets/NAME.yaml`), per model
 * (`slipway/models/NAME.yaml`, versions and aliases) and per run-cache entry (`slipway/run-cache/KEY.yaml`), committed
 * next to `slipway.lock`. The metadata database is an index of them: written from it after every change, read back into
 * it when a clone, pull or checkout brings new files. Objects themselves live in the store and on remotes.
 */
export const POINTER_DIR = 'slipway';

const HEADER = '# Slipway pointer file: commit it to git. Objects travel with `slipway push` / `slipway pull`.\n';

/** The files under `slipway/` that hold pointers. */
export function pointerDirs(root: string): { datasets: string; models: string; runCache: string } {
  const base = join(root, POINTER_DIR);
  return { datasets: join(base, 'datasets'), models: join(base, 'models'), runCache: join(base, 'run-cache') };
}

interface DatasetRow {
  name: string;
  version: number | string;
  tree_hash: string;
  files: number | string;
  bytes: number | string;
  message: string | null;
  profile_json: string | null;
  created_at: number | string;
}
interface ModelVersionRow {
  name: string;
  version: number | string;
  tree_hash: string;
  format: string;
  signature_json: string;
  metrics_json: string | null;
  params_json: string | null;
  run_id: string | null;
  lineage_json: string | null;
  description: string | null;
  created_at: number | string;
}
interface RunCacheRow {
  key: string;
  stage: string;
  outs_json: string;
  run_id: string | null;
  created_at: number | string;
}

const json = (s: string | null): unknown => (s === null ? null : (JSON.parse(s) as unknown));
const text = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/** Writes `path` only when its content differs, so an export that changes nothing leaves git status clean. */
function writeIfChanged(path: string, content: string): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return false;
  writeFileAtomic(path, content);
  return true;
}

function yamlFile(value: unknown): string {
  return HEADER + toYaml(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Files present in `dir` ending with `.yaml`, without the extension. */
function yamlNames(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** What an export wrote. */
export interface ExportReport {
  written: string[];
  removed: string[];
}

/**
 * Writes every dataset, model and run-cache pointer file from the database (deterministic content; files whose
 * content is unchanged are left alone). With `prune`, pointer files of datasets and models the database no longer
 * holds are removed (only `data remove` asks for that: a database that lost rows must never delete committed files).
 */
export async function exportPointers(db: Db, root: string, opts: { prune?: boolean } = {}): Promise<ExportReport> {
  const dirs = pointerDirs(root);
  const report: ExportReport = { written: [], removed: [] };
  const rows = await db.all<DatasetRow>(
    'SELECT name, version, tree_hash, files, bytes, message, profile_json, created_at FROM dataset_versions ORDER BY name, version',
  );
  const byName = new Map<string, DatasetRow[]>();
  for (const r of rows) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  if (byName.size > 0) mkdirSync(dirs.datasets, { recursive: true });
  for (const [name, versions] of byName) {
    const path = join(dirs.datasets, `${name}.yaml`);
    const doc = {
      dataset: name,
      versions: versions.map((v) => ({
        version: Number(v.version),
        tree: v.tree_hash,
        files: Number(v.files),
        bytes: Number(v.bytes),
        message: v.message,
        created_at: Number(v.created_at),
        profile: json(v.profile_json),
      })),
    };
    if (writeIfChanged(path, yamlFile(doc))) report.written.push(path);
  }
  for (const name of opts.prune ? yamlNames(dirs.datasets) : [])
    if (!byName.has(name)) {
      rmSync(join(dirs.datasets, `${name}.yaml`), { force: true });
      report.removed.push(join(dirs.datasets, `${name}.yaml`));
    }

  const models = await db.all<{ name: string; description: string | null; created_at: number | string }>(
    'SELECT name, description, created_at FROM models ORDER BY name',
  );
  const mvs = await db.all<ModelVersionRow>(
    'SELECT name, version, tree_hash, format, signature_json, metrics_json, params_json, run_id, lineage_json, description, created_at FROM model_versions ORDER BY name, version',
  );
  const aliases = await db.all<{ model: string; alias: string; version: number | string }>(
    'SELECT model, alias, version FROM aliases ORDER BY model, alias',
  );
  const withVersions = models.filter((m) => mvs.some((v) => v.name === m.name));
  if (withVersions.length > 0) mkdirSync(dirs.models, { recursive: true });
  for (const m of withVersions) {
    const path = join(dirs.models, `${m.name}.yaml`);
    const doc = {
      model: m.name,
      description: m.description,
      created_at: Number(m.created_at),
      aliases: Object.fromEntries(aliases.filter((a) => a.model === m.name).map((a) => [a.alias, Number(a.version)])),
      versions: mvs
        .filter((v) => v.name === m.name)
        .map((v) => ({
          version: Number(v.version),
          tree: v.tree_hash,
          format: v.format,
          run_id: v.run_id,
          description: v.description,
          created_at: Number(v.created_at),
          metrics: json(v.metrics_json),
          params: json(v.params_json),
          signature: json(v.signature_json),
          lineage: json(v.lineage_json),
        })),
    };
    if (writeIfChanged(path, yamlFile(doc))) report.written.push(path);
  }
  const modelNames = new Set(withVersions.map((m) => m.name));
  for (const name of opts.prune ? yamlNames(dirs.models) : [])
    if (!modelNames.has(name)) {
      rmSync(join(dirs.models, `${name}.yaml`), { force: true });
      report.removed.push(join(dirs.models, `${name}.yaml`));
    }

  const cache = await db.all<RunCacheRow>('SELECT key, stage, outs_json, run_id, created_at FROM run_cache ORDER BY key');
  if (cache.length > 0) mkdirSync(dirs.runCache, { recursive: true });
  for (const c of cache) {
    if (!/^[0-9a-zA-Z_-]{8,128}$/.test(c.key)) continue;
    const path = join(dirs.runCache, `${c.key}.yaml`);
    const doc = { key: c.key, stage: c.stage, run_id: c.run_id, created_at: Number(c.created_at), outs: json(c.outs_json) };
    if (writeIfChanged(path, yamlFile(doc))) report.written.push(path);
  }
  return report;
}

/** What an import added to the database, and the files that disagree with it. */
export interface ImportReport {
  datasetVersions: number;
  modelVersions: number;
  aliases: number;
  runCache: number;
  /** `name@N` recorded in a pointer file with a different tree than the database holds (kept as in the database). */
  conflicts: string[];
}

function readYaml(path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SlipwayError('POINTER_INVALID', `${path} is not valid YAML (${(e as Error).message}); restore it from git`, { path });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new SlipwayError('POINTER_INVALID', `${path} is not a Slipway pointer file; restore it from git`, { path });
  return doc as Record<string, unknown>;
}

function versionsOf(path: string, doc: Record<string, unknown>): Record<string, unknown>[] {
  const vs = doc.versions;
  if (!Array.isArray(vs)) throw new SlipwayError('POINTER_INVALID', `${path} has no versions list; restore it from git`, { path });
  for (const v of vs as Record<string, unknown>[])
    if (!Number.isInteger(v?.version) || typeof v?.tree !== 'string' || !isHash(v.tree))
      throw new SlipwayError('POINTER_INVALID', `${path} has a version without a number or a valid tree hash; restore it from git`, {
        path,
      });
  return vs as Record<string, unknown>[];
}

/**
 * Reads every pointer file into the database: versions and run-cache entries it lacks are inserted (with their
 * numbers), aliases are set as the files say (the files come from git, which is what the user checked out).
 * Works the same on SQLite and PostgreSQL; existing rows are never rewritten.
 */
export async function importPointers(db: Db, root: string): Promise<ImportReport> {
  const dirs = pointerDirs(root);
  const report: ImportReport = { datasetVersions: 0, modelVersions: 0, aliases: 0, runCache: 0, conflicts: [] };
  const datasetDocs = yamlNames(dirs.datasets).map((n) => ({ path: join(dirs.datasets, `${n}.yaml`), name: n }));
  const modelDocs = yamlNames(dirs.models).map((n) => ({ path: join(dirs.models, `${n}.yaml`), name: n }));
  const cacheDocs = yamlNames(dirs.runCache).map((n) => join(dirs.runCache, `${n}.yaml`));
  await db.tx(async (t) => {
    for (const { path, name } of datasetDocs) {
      const doc = readYaml(path);
      const versions = versionsOf(path, doc);
      const first = Math.min(...versions.map((v) => Number(v.created_at ?? Date.now())));
      await t.run('INSERT INTO datasets (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [name, first]);
      for (const v of versions) {
        const have = await t.get<{ tree_hash: string }>('SELECT tree_hash FROM dataset_versions WHERE name = ? AND version = ?', [
          name,
          v.version,
        ]);
        if (have) {
          if (have.tree_hash !== v.tree) report.conflicts.push(`dataset ${name}@${String(v.version)}`);
          continue;
        }
        await t.run(
          'INSERT INTO dataset_versions (name, version, tree_hash, files, bytes, message, profile_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [
            name,
            v.version,
            v.tree,
            Number(v.files ?? 0),
            Number(v.bytes ?? 0),
            (v.message as string | null) ?? null,
            text(v.profile),
            Number(v.created_at ?? Date.now()),
          ],
        );
        report.datasetVersions++;
      }
    }
    for (const { path, name } of modelDocs) {
      const doc = readYaml(path);
      const versions = versionsOf(path, doc);
      await t.run('INSERT INTO models (name, description, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', [
        name,
        (doc.description as string | null) ?? null,
        Number(doc.created_at ?? Date.now()),
      ]);
      for (const v of versions) {
        const have = await t.get<{ tree_hash: string }>('SELECT tree_hash FROM model_versions WHERE name = ? AND version = ?', [
          name,
          v.version,
        ]);
        if (have) {
          if (have.tree_hash !== v.tree) report.conflicts.push(`model ${name}@${String(v.version)}`);
          continue;
        }
        await t.run(
          `INSERT INTO model_versions (name, version, tree_hash, format, signature_json, metrics_json, params_json, run_id, lineage_json, description, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            name,
            v.version,
            v.tree,
            String(v.format ?? 'slipway'),
            text(v.signature ?? {}) ?? '{}',
            text(v.metrics),
            text(v.params),
            (v.run_id as string | null) ?? null,
            text(v.lineage),
            (v.description as string | null) ?? null,
            Number(v.created_at ?? Date.now()),
          ],
        );
        report.modelVersions++;
      }
      const aliases = (doc.aliases ?? {}) as Record<string, unknown>;
      for (const [alias, version] of Object.entries(aliases)) {
        if (!Number.isInteger(version)) continue;
        const cur = await t.get<{ version: number | string }>('SELECT version FROM aliases WHERE model = ? AND alias = ?', [name, alias]);
        if (cur && Number(cur.version) === version) continue;
        if (cur)
          await t.run('UPDATE aliases SET version = ?, updated_at = ? WHERE model = ? AND alias = ?', [version, Date.now(), name, alias]);
        else await t.run('INSERT INTO aliases (model, alias, version, updated_at) VALUES (?, ?, ?, ?)', [name, alias, version, Date.now()]);
        report.aliases++;
      }
    }
    for (const path of cacheDocs) {
      const doc = readYaml(path);
      if (typeof doc.key !== 'string' || typeof doc.stage !== 'string' || !Array.isArray(doc.outs))
        throw new SlipwayError('POINTER_INVALID', `${path} is not a run-cache entry; restore it from git`, { path });
      const res = await t.run(
        'INSERT INTO run_cache (key, stage, outs_json, run_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
        [doc.key, doc.stage, JSON.stringify(doc.outs), (doc.run_id as string | null) ?? null, Number(doc.created_at ?? Date.now())],
      );
      report.runCache += res.changes;
    }
  });
  return report;
}

/** A cheap fingerprint of the pointer files on disk (names, sizes, mtimes): changes when git brings new ones. */
export function pointerFilesStamp(root: string): string {
  const dirs = pointerDirs(root);
  const parts: string[] = [];
  for (const d of [dirs.datasets, dirs.models, dirs.runCache]) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) {
      if (!f.endsWith('.yaml')) continue;
      const st = statSync(join(d, f));
      parts.push(`${f}:${st.size}:${Math.floor(st.mtimeMs)}`);
    }
  }
  return parts.join('|');
}

/** A cheap fingerprint of what the database holds that pointer files mirror: changes when anything is written. */
export async function databaseStamp(db: Db): Promise<string> {
  const q = async (sql: string): Promise<string> => JSON.stringify(Object.values((await db.get<Record<string, unknown>>(sql)) ?? {}));
  return [
    await q('SELECT COUNT(*) AS n, MAX(created_at) AS m, SUM(version) AS s FROM dataset_versions'),
    await q('SELECT COUNT(*) AS n, MAX(created_at) AS m, SUM(version) AS s FROM model_versions'),
    await q('SELECT COUNT(*) AS n, MAX(updated_at) AS m, SUM(version) AS s FROM aliases'),
    await q('SELECT COUNT(*) AS n, MAX(created_at) AS m FROM run_cache'),
    await q('SELECT COUNT(*) AS n FROM datasets'),
  ].join('|');
}
