import { ulid } from 'ulidx';
import type { Db } from '../meta/index.js';
import { SlipwayError } from '../errors/index.js';
import type { ArtifactRecord, CreateRunInput, HistoryPage, MetricRow } from './backend.js';
import type { DatasetInput, MetricPoint, RunRecord, RunStatus } from './types.js';

const FINAL: ReadonlySet<string> = new Set(['FINISHED', 'FAILED', 'KILLED']);
/** Rows per multi-row INSERT (5 params each; well under SQLite's and PostgreSQL's parameter limits). */
const CHUNK = 400;

/** True for a final run status. */
export function isFinalStatus(s: unknown): s is Exclude<RunStatus, 'RUNNING'> {
  return typeof s === 'string' && FINAL.has(s);
}

/** Returns the id of experiment `name`, creating it when new (safe against a concurrent creator). */
export async function ensureExperiment(db: Db, name: string): Promise<string> {
  if (typeof name !== 'string' || name.trim() === '')
    throw new SlipwayError('BAD_REQUEST', 'a run needs an experiment name (pass { experiment: "my-experiment" })');
  const found = await db.get<{ id: string }>('SELECT id FROM experiments WHERE name = ?', [name]);
  if (found) return found.id;
  await db.run('INSERT INTO experiments (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', [ulid(), name, Date.now()]);
  const row = await db.get<{ id: string }>('SELECT id FROM experiments WHERE name = ?', [name]);
  return row!.id;
}

/** Inserts a new RUNNING run with its params, tags, inputs, code version and environment. */
export async function createRun(db: Db, input: CreateRunInput): Promise<{ id: string; experiment: string }> {
  const expId = await ensureExperiment(db, input.experiment);
  const id = ulid();
  await db.tx(async (t) => {
    await t.run(
      `INSERT INTO runs (id, experiment_id, name, kind, status, start_time, end_time, parent_run_id, git_commit, git_dirty, git_diff_hash, env_json)
       VALUES (?, ?, ?, ?, 'RUNNING', ?, NULL, ?, ?, ?, ?, ?)`,
      [
        id,
        expId,
        input.name ?? null,
        input.kind ?? 'run',
        input.startTime ?? Date.now(),
        input.parentRunId ?? null,
        input.code?.commit ?? null,
        input.code?.dirty ? 1 : 0,
        input.code?.diffHash ?? null,
        JSON.stringify(input.env ?? {}),
      ],
    );
    if (input.params) await insertParams(t, id, input.params);
    if (input.tags) await upsertTags(t, id, input.tags);
    for (const inp of input.inputs ?? []) await addInput(t, id, inp);
  });
  return { id, experiment: input.experiment };
}

/** The run's status; RUN_NOT_FOUND when there is no such run. */
export async function runStatus(db: Db, runId: string): Promise<RunStatus> {
  const row = await db.get<{ status: RunStatus }>('SELECT status FROM runs WHERE id = ?', [runId]);
  if (!row) throw runNotFound(runId);
  return row.status;
}

/** Throws RUN_ENDED unless the run exists and is RUNNING. */
export async function requireRunning(db: Db, runId: string): Promise<void> {
  const s = await runStatus(db, runId);
  if (s !== 'RUNNING') throw new SlipwayError('RUN_ENDED', `run ${runId} has already ended (${s}); start a new run to log more`, { runId });
}

/** The RUN_NOT_FOUND error for `id`. */
export function runNotFound(id: string): SlipwayError {
  return new SlipwayError('RUN_NOT_FOUND', `no run with id "${id}"; list runs with \`slipway runs list\``, { runId: id });
}

async function insertParams(db: Db, runId: string, params: Readonly<Record<string, string>>): Promise<void> {
  for (const [key, value] of Object.entries(params)) {
    checkKey(key, 'param');
    const prev = await db.get<{ value: string }>('SELECT value FROM params WHERE run_id = ? AND key = ?', [runId, key]);
    if (prev) {
      if (prev.value !== value)
        throw new SlipwayError(
          'PARAM_CONFLICT',
          `param "${key}" of run ${runId} is already "${prev.value}"; params cannot change within a run (log a new key or start a new run)`,
          { runId, key },
        );
      continue;
    }
    await db.run('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)', [runId, key, value]);
  }
}

async function upsertTags(db: Db, runId: string, tags: Readonly<Record<string, string>>): Promise<void> {
  for (const [key, value] of Object.entries(tags)) {
    checkKey(key, 'tag');
    await db.run('INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value', [
      runId,
      key,
      value,
    ]);
  }
}

function checkKey(key: string, what: string): void {
  if (typeof key !== 'string' || key === '' || key.length > 250 || /\s/.test(key))
    throw new SlipwayError(
      what === 'metric' ? 'METRIC_INVALID' : 'BAD_REQUEST',
      `${what} key "${key}" is invalid: use 1–250 characters without spaces`,
      {
        key,
      },
    );
}

/** Checks one metric point (finite value, integer step, sane key); throws METRIC_INVALID. */
export function validateMetric(m: MetricRow): void {
  checkKey(m.key, 'metric');
  if (typeof m.value !== 'number' || !Number.isFinite(m.value))
    throw new SlipwayError('METRIC_INVALID', `metric "${m.key}" has value ${String(m.value)}; values must be finite numbers`, {
      key: m.key,
    });
  if (!Number.isSafeInteger(m.step) || !Number.isSafeInteger(m.timestamp))
    throw new SlipwayError('METRIC_INVALID', `metric "${m.key}" needs an integer step and timestamp (got ${m.step}, ${m.timestamp})`, {
      key: m.key,
    });
}

const insertSql = new Map<number, string>();
function metricInsert(n: number): string {
  let s = insertSql.get(n);
  if (!s) {
    s = `INSERT INTO metrics (run_id, key, step, ts, value) VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?)').join(', ')}`;
    insertSql.set(n, s);
  }
  return s;
}

/** Writes a batch in one transaction: params (immutable), tags (upsert), metric points (bulk) and latest values. */
export async function logBatch(
  db: Db,
  runId: string,
  batch: {
    metrics?: readonly MetricRow[] | undefined;
    params?: Readonly<Record<string, string>> | undefined;
    tags?: Readonly<Record<string, string>> | undefined;
  },
): Promise<void> {
  const metrics = batch.metrics ?? [];
  for (const m of metrics) validateMetric(m);
  await db.tx(async (t) => {
    await requireRunning(t, runId);
    if (batch.params) await insertParams(t, runId, batch.params);
    if (batch.tags) await upsertTags(t, runId, batch.tags);
    if (metrics.length === 0) return;
    for (let i = 0; i < metrics.length; i += CHUNK) {
      const part = metrics.slice(i, i + CHUNK);
      const args: unknown[] = [];
      for (const m of part) args.push(runId, m.key, m.step, m.timestamp, m.value);
      await t.run(metricInsert(part.length), args);
    }
    // Only the newest point per key reaches latest_metrics (highest step, then newest timestamp).
    const latest = new Map<string, MetricRow>();
    for (const m of metrics) {
      const cur = latest.get(m.key);
      if (!cur || m.step > cur.step || (m.step === cur.step && m.timestamp >= cur.timestamp)) latest.set(m.key, m);
    }
    for (const m of latest.values()) {
      await t.run(
        `INSERT INTO latest_metrics (run_id, key, value, step, ts) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, step = excluded.step, ts = excluded.ts
         WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.ts >= latest_metrics.ts)`,
        [runId, m.key, m.value, m.step, m.timestamp],
      );
    }
  });
}

/** Records that the run read a dataset version (idempotent). */
export async function addInput(db: Db, runId: string, input: DatasetInput): Promise<void> {
  if (!input || typeof input.dataset !== 'string' || !Number.isInteger(input.version) || typeof input.treeHash !== 'string')
    throw new SlipwayError('BAD_REQUEST', 'a run input needs { dataset: string, version: integer, treeHash: string }');
  await db.run(
    'INSERT INTO run_inputs (run_id, dataset, version, tree_hash) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, dataset, version) DO NOTHING',
    [runId, input.dataset, input.version, input.treeHash],
  );
}

/** Attaches a stored artifact to a run (a later artifact at the same path replaces it). */
export async function addArtifact(db: Db, runId: string, a: ArtifactRecord): Promise<void> {
  await runStatus(db, runId);
  await db.run(
    `INSERT INTO run_artifacts (run_id, path, hash, size, kind) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (run_id, path) DO UPDATE SET hash = excluded.hash, size = excluded.size, kind = excluded.kind`,
    [runId, a.path, a.hash, a.size, a.kind],
  );
}

/** One artifact of a run; ARTIFACT_NOT_FOUND when absent. */
export async function getArtifact(db: Db, runId: string, path: string): Promise<ArtifactRecord> {
  await runStatus(db, runId);
  const row = await db.get<ArtifactRecord>('SELECT path, hash, size, kind FROM run_artifacts WHERE run_id = ? AND path = ?', [runId, path]);
  if (!row)
    throw new SlipwayError('ARTIFACT_NOT_FOUND', `run ${runId} has no artifact "${path}"; see \`slipway runs show ${runId}\``, {
      runId,
      path,
    });
  return { ...row, size: Number(row.size) };
}

/** Sets a final status and end time. A RUNNING run (also one whose process died) can always be ended; an ended one cannot. */
export async function endRun(db: Db, runId: string, status: Exclude<RunStatus, 'RUNNING'>, endTime: number = Date.now()): Promise<void> {
  if (!isFinalStatus(status))
    throw new SlipwayError('BAD_REQUEST', `status "${String(status)}" is not a final run status (FINISHED, FAILED or KILLED)`);
  const r = await db.run(`UPDATE runs SET status = ?, end_time = ? WHERE id = ? AND status = 'RUNNING'`, [status, endTime, runId]);
  if (r.changes === 0) await requireRunning(db, runId);
}

/** A run with its params, tags, latest metrics, inputs and artifacts; RUN_NOT_FOUND when absent. */
export async function getRun(db: Db, id: string): Promise<RunRecord> {
  const [rec] = await hydrateRuns(db, [id]);
  if (!rec) throw runNotFound(id);
  return rec;
}

interface RunRow {
  id: string;
  experiment: string;
  name: string | null;
  kind: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  parent_run_id: string | null;
  git_commit: string | null;
  git_dirty: number | null;
  git_diff_hash: string | null;
  env_json: string | null;
}

/** Loads full records for `ids`, in the order given (missing ids are skipped). */
export async function hydrateRuns(db: Db, ids: readonly string[]): Promise<RunRecord[]> {
  const out = new Map<
    string,
    RunRecord & { params: Record<string, string>; tags: Record<string, string>; metrics: Record<string, number> }
  >();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const part = ids.slice(i, i + CHUNK);
    const q = part.map(() => '?').join(', ');
    const rows = await db.all<RunRow>(
      `SELECT r.id, e.name AS experiment, r.name, r.kind, r.status, r.start_time, r.end_time, r.parent_run_id, r.git_commit, r.git_dirty, r.git_diff_hash, r.env_json
       FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id IN (${q})`,
      part,
    );
    for (const r of rows) {
      out.set(r.id, {
        id: r.id,
        experiment: r.experiment,
        name: r.name,
        kind: r.kind,
        status: r.status,
        startTime: Number(r.start_time),
        endTime: r.end_time === null ? null : Number(r.end_time),
        parentRunId: r.parent_run_id,
        code: { commit: r.git_commit, dirty: Boolean(Number(r.git_dirty ?? 0)), diffHash: r.git_diff_hash },
        env: r.env_json ? (JSON.parse(r.env_json) as Record<string, string>) : {},
        params: {},
        tags: {},
        metrics: {},
        inputs: [],
        artifacts: [],
      });
    }
    for (const p of await db.all<{ run_id: string; key: string; value: string }>(
      `SELECT run_id, key, value FROM params WHERE run_id IN (${q}) ORDER BY key`,
      part,
    ))
      out.get(p.run_id)!.params[p.key] = p.value;
    for (const p of await db.all<{ run_id: string; key: string; value: string }>(
      `SELECT run_id, key, value FROM tags WHERE run_id IN (${q}) ORDER BY key`,
      part,
    ))
      out.get(p.run_id)!.tags[p.key] = p.value;
    for (const p of await db.all<{ run_id: string; key: string; value: number }>(
      `SELECT run_id, key, value FROM latest_metrics WHERE run_id IN (${q}) ORDER BY key`,
      part,
    ))
      out.get(p.run_id)!.metrics[p.key] = Number(p.value);
    for (const p of await db.all<{ run_id: string; dataset: string; version: number; tree_hash: string }>(
      `SELECT run_id, dataset, version, tree_hash FROM run_inputs WHERE run_id IN (${q}) ORDER BY dataset, version`,
      part,
    ))
      (out.get(p.run_id)!.inputs as DatasetInput[]).push({ dataset: p.dataset, version: Number(p.version), treeHash: p.tree_hash });
    for (const p of await db.all<{ run_id: string } & ArtifactRecord>(
      `SELECT run_id, path, hash, size, kind FROM run_artifacts WHERE run_id IN (${q}) ORDER BY path`,
      part,
    ))
      (out.get(p.run_id)!.artifacts as ArtifactRecord[]).push({ path: p.path, hash: p.hash, size: Number(p.size), kind: p.kind });
  }
  return ids.flatMap((id) => {
    const r = out.get(id);
    return r ? [r] : [];
  });
}

/** One metric's points ordered by step (then time), paged; RUN_NOT_FOUND for an unknown run. */
export async function metricHistory(db: Db, runId: string, key: string, page: HistoryPage = {}): Promise<MetricPoint[]> {
  const offset = page.offset ?? 0;
  const limit = page.limit ?? -1;
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < -1)
    throw new SlipwayError('BAD_REQUEST', `history paging needs a non-negative integer offset and limit (got ${offset}, ${limit})`);
  await runStatus(db, runId);
  // LIMIT -1 means "all" in SQLite only; PostgreSQL takes LIMIT ALL, so the clause is built per case.
  const lim = limit === -1 ? (offset > 0 ? (db.dialect === 'sqlite' ? ' LIMIT -1' : '') : '') : ' LIMIT ?';
  const off = offset > 0 ? ' OFFSET ?' : '';
  const args: unknown[] = [runId, key];
  if (limit !== -1) args.push(limit);
  if (offset > 0) args.push(offset);
  const rows = await db.all<{ step: number; ts: number; value: number }>(
    `SELECT step, ts, value FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, ts${lim}${off}`,
    args,
  );
  if (db.dialect === 'sqlite') return rows as MetricPoint[];
  return rows.map((r) => ({ step: Number(r.step), ts: Number(r.ts), value: Number(r.value) }));
}
