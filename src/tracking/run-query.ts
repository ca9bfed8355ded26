import type { Db } from '../meta/index.js';
import { SlipwayError } from '../errors/index.js';
import type { RunQuery } from './backend.js';
import { hydrateRuns } from './run-repository.js';
import type { RunRecord } from './types.js';

/** One parsed condition of a `where` filter. */
export interface Condition {
  readonly scope: 'metrics' | 'params' | 'tags' | 'attributes';
  readonly key: string;
  readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like';
  readonly value: string | number;
}

const ATTRIBUTES: Record<string, string> = {
  status: 'r.status',
  name: 'r.name',
  kind: 'r.kind',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
  experiment: 'e.name',
  id: 'r.id',
  run_id: 'r.id',
  parent_run_id: 'r.parent_run_id',
};

const COND =
  /^\s*(?:(metrics|metric|params|param|tags|tag|attributes|attribute|attr)\.)?("[^"]+"|`[^`]+`|[A-Za-z0-9_.\-/:]+)\s*(<=|>=|!=|<>|==|=|<|>|\blike\b)\s*('(?:[^']|'')*'|"[^"]*"|[^\s'"]+)\s*$/i;

function filterInvalid(where: string, why: string): SlipwayError {
  return new SlipwayError(
    'FILTER_INVALID',
    `filter "${where}" is invalid: ${why}. Write conditions like "metrics.accuracy > 0.9 and params.lr = 0.01 and status = 'FINISHED'"`,
    { where },
  );
}

/** Parses "metrics.accuracy > 0.9 and params.lr = 0.01" into conditions; FILTER_INVALID on anything else. */
export function parseWhere(where: string): Condition[] {
  if (where.trim() === '') return [];
  const parts = splitAnd(where);
  return parts.map((p) => {
    const m = COND.exec(p);
    if (!m) throw filterInvalid(where, `cannot read "${p.trim()}"`);
    const { scope, key } = scopedKey(m[1], m[2]!);
    const opRaw = m[3]!.toLowerCase();
    const op = (opRaw === '<>' ? '!=' : opRaw === '==' ? '=' : opRaw) as Condition['op'];
    const rawVal = m[4]!;
    let value: string | number;
    if (rawVal.startsWith("'")) value = rawVal.slice(1, -1).replace(/''/g, "'");
    else if (rawVal.startsWith('"')) value = rawVal.slice(1, -1);
    else if (rawVal !== '' && Number.isFinite(Number(rawVal))) value = Number(rawVal);
    else value = rawVal;
    if (scope === 'attributes' && !(key.toLowerCase() in ATTRIBUTES))
      throw filterInvalid(
        where,
        `unknown attribute "${key}" (use metrics.<key>, params.<key>, tags.<key>, or ${Object.keys(ATTRIBUTES).join(', ')})`,
      );
    if (scope === 'metrics' && typeof value !== 'number') throw filterInvalid(where, `metrics.${key} must be compared with a number`);
    if (scope === 'metrics' && op === 'like') throw filterInvalid(where, `"like" works on params, tags and attributes, not metrics`);
    return { scope, key: scope === 'attributes' ? key.toLowerCase() : key, op, value };
  });
}

/** Splits on `and` outside quotes. */
function splitAnd(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else {
      const m = /^\s+and\s+/i.exec(s.slice(i));
      if (m) {
        out.push(cur);
        cur = '';
        i += m[0].length - 1;
        continue;
      }
    }
    cur += ch;
  }
  if (quote) throw filterInvalid(s, 'a quote is not closed');
  out.push(cur);
  if (out.some((p) => p.trim() === '')) throw filterInvalid(s, 'an "and" has nothing on one side');
  return out;
}

/** A parsed `orderBy`: a key and a direction. */
export interface Order {
  readonly scope: Condition['scope'];
  readonly key: string;
  readonly desc: boolean;
}

/** Parses "metrics.accuracy desc" / "start_time" / "params.lr asc"; FILTER_INVALID otherwise. */
export function parseOrderBy(orderBy: string): Order {
  const m =
    /^\s*(?:(metrics|metric|params|param|tags|tag|attributes|attribute|attr)\.)?("[^"]+"|`[^`]+`|[A-Za-z0-9_.\-/:]+)(?:\s+(asc|desc))?\s*$/i.exec(
      orderBy,
    );
  if (!m) throw filterInvalid(orderBy, 'sort by "<key> [asc|desc]", e.g. "metrics.accuracy desc"');
  const { scope, key } = scopedKey(m[1], m[2]!);
  if (scope === 'attributes' && !(key.toLowerCase() in ATTRIBUTES)) throw filterInvalid(orderBy, `unknown attribute "${key}"`);
  return { scope, key: scope === 'attributes' ? key.toLowerCase() : key, desc: (m[3] ?? 'asc').toLowerCase() === 'desc' };
}

const VALID_STATUS = new Set(['RUNNING', 'FINISHED', 'FAILED', 'KILLED']);

/** Numeric view of a TEXT column: a number where the text is one, NULL otherwise (PostgreSQL's CAST would fail). */
function numericText(db: Db, col: string): string {
  return db.dialect === 'postgres'
    ? `(CASE WHEN ${col} ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$' THEN CAST(${col} AS DOUBLE PRECISION) END)`
    : `(CASE WHEN trim(${col}) NOT GLOB '*[^0-9.eE+-]*' AND trim(${col}) GLOB '*[0-9]*' THEN CAST(trim(${col}) AS REAL) END)`;
}

/** The SQL conditions (and their arguments) of a query's experiment, status and `where` filter. */
function whereClause(db: Db, query: RunQuery): { where: string[]; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (query.experiment !== undefined) {
    where.push('e.name = ?');
    args.push(query.experiment);
  }
  if (query.status !== undefined) {
    if (!VALID_STATUS.has(query.status))
      throw new SlipwayError('FILTER_INVALID', `status "${query.status}" is not one of RUNNING, FINISHED, FAILED, KILLED`, {
        status: query.status,
      });
    where.push('r.status = ?');
    args.push(query.status);
  }
  for (const c of parseWhere(query.where ?? '')) {
    const op = c.op === 'like' ? 'LIKE' : c.op;
    if (c.scope === 'metrics') {
      where.push(`r.id IN (SELECT run_id FROM latest_metrics WHERE key = ? AND value ${op} ?)`);
      args.push(c.key, c.value);
    } else if (c.scope === 'params' || c.scope === 'tags') {
      const col = typeof c.value === 'number' && op !== 'LIKE' ? numericText(db, 'value') : 'value';
      where.push(`r.id IN (SELECT run_id FROM ${c.scope} WHERE key = ? AND ${col} ${op} ?)`);
      args.push(c.key, typeof c.value === 'number' && op === 'LIKE' ? String(c.value) : c.value);
    } else {
      where.push(`${ATTRIBUTES[c.key]!} ${op} ?`);
      args.push(c.key === 'status' && typeof c.value === 'string' ? c.value.toUpperCase() : c.value);
    }
  }
  return { where, args };
}

/** Counts the runs matching a query's experiment, status and `where` filter (for paging). */
export async function countRuns(db: Db, query: RunQuery = {}): Promise<number> {
  const { where, args } = whereClause(db, query);
  const sql = `SELECT COUNT(*) AS n FROM runs r JOIN experiments e ON e.id = r.experiment_id${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  const row = await db.get<{ n: number | string }>(sql, args);
  return Number(row?.n ?? 0);
}

/** Lists runs matching a query, newest first unless `orderBy` says otherwise. Each record is complete (params, metrics, …). */
export async function listRuns(db: Db, query: RunQuery = {}): Promise<RunRecord[]> {
  const { where, args } = whereClause(db, query);
  let join = '';
  let order = 'r.start_time DESC, r.id DESC';
  if (query.orderBy) {
    const o = parseOrderBy(query.orderBy);
    const dir = o.desc ? 'DESC' : 'ASC';
    if (o.scope === 'attributes') order = `${ATTRIBUTES[o.key]!} ${dir}, r.id ${dir}`;
    else {
      const table = o.scope === 'metrics' ? 'latest_metrics' : o.scope;
      join = ` LEFT JOIN ${table} ob ON ob.run_id = r.id AND ob.key = ?`;
      // Runs without the key sort last in both directions and in both dialects; params/tags sort numerically when numbers.
      const keys =
        o.scope === 'metrics'
          ? `ob.value ${dir}`
          : `(${numericText(db, 'ob.value')} IS NULL), ${numericText(db, 'ob.value')} ${dir}, ob.value ${dir}`;
      order = `(ob.value IS NULL), ${keys}, r.start_time DESC, r.id DESC`;
      args.unshift(o.key);
    }
  }
  const limit = query.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1) throw new SlipwayError('FILTER_INVALID', `limit must be a positive integer (got ${limit})`);
  const offset = query.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0)
    throw new SlipwayError('FILTER_INVALID', `offset must be a non-negative integer (got ${offset})`);
  const sql = `SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id${join}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`;
  const ids = (await db.all<{ id: string }>(sql, args)).map((r) => r.id);
  return hydrateRuns(db, ids);
}

/** The scope (`metrics.`, `params.`, `tags.`, or a run attribute) and the unquoted key of a filter or sort term. */
function scopedKey(rawScope: string | undefined, rawKey: string): { scope: 'metrics' | 'params' | 'tags' | 'attributes'; key: string } {
  const s = (rawScope ?? 'attributes').toLowerCase();
  const scope = s.startsWith('metric') ? 'metrics' : s.startsWith('param') ? 'params' : s.startsWith('tag') ? 'tags' : 'attributes';
  return { scope, key: /^["`]/.test(rawKey) ? rawKey.slice(1, -1) : rawKey };
}

/** The param, metric and tag keys used by the runs of an experiment (or of all runs): the columns of a runs table. */
export async function runKeys(
  db: Db,
  query: { experiment?: string | undefined } = {},
): Promise<{ params: string[]; metrics: string[]; tags: string[] }> {
  const scoped = (table: string): Promise<{ key: string }[]> =>
    query.experiment === undefined
      ? db.all<{ key: string }>(`SELECT DISTINCT key FROM ${table} ORDER BY key`)
      : db.all<{ key: string }>(
          `SELECT DISTINCT t.key AS key FROM ${table} t JOIN runs r ON r.id = t.run_id JOIN experiments e ON e.id = r.experiment_id WHERE e.name = ? ORDER BY t.key`,
          [query.experiment],
        );
  const [params, metrics, tags] = await Promise.all([scoped('params'), scoped('latest_metrics'), scoped('tags')]);
  return { params: params.map((r) => r.key), metrics: metrics.map((r) => r.key), tags: tags.map((r) => r.key) };
}

/** Experiment names with their run counts, by name. */
export async function listExperimentNames(db: Db): Promise<{ name: string; runs: number }[]> {
  const rows = await db.all<{ name: string; runs: number | string }>(
    `SELECT e.name AS name, COUNT(r.id) AS runs FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id GROUP BY e.name ORDER BY e.name`,
  );
  return rows.map((r) => ({ name: r.name, runs: Number(r.runs) }));
}
