/**
 * The audit log: an append-only, hash-chained table of every write. Each entry's hash is the sha256 of its fields and
 * the previous entry's hash, so editing or deleting any entry breaks every link after it (`verifyAudit`). Removing
 * entries at the tail leaves a valid shorter chain: keep the head hash printed by `slipway audit log` somewhere else
 * and pass it to `verifyAudit({ head })` to detect that too.
 */
import { createHash } from 'node:crypto';
import { monotonicFactory } from 'ulidx';
import type { Db } from '../meta/index.js';
import { isSlipwayError } from '../errors/index.js';

const nextId = monotonicFactory();
/** The previous hash of the first entry. */
export const AUDIT_GENESIS = '0'.repeat(64);

/** One change to record. */
export interface AuditInput {
  /** Who: the authenticated identity's name (`local:USER` for the CLI, `anonymous` without auth). */
  readonly actor: string;
  /** What: a dotted verb such as `alias.set`, `run.create`, `token.create`. */
  readonly action: string;
  /** On what: `model:alias`, a run id, a dataset ref. */
  readonly target: string;
  /** Where from: a client address, or `cli`. */
  readonly source?: string | undefined;
  /** The change itself (secrets must not be in it). */
  readonly change?: unknown;
  /** Defaults to now. */
  readonly at?: number;
}

/** One recorded entry. */
export interface AuditEntry {
  readonly seq: number;
  readonly id: string;
  readonly at: number;
  readonly actor: string;
  readonly source: string | null;
  readonly action: string;
  readonly target: string;
  readonly change: unknown;
  readonly prevHash: string;
  readonly hash: string;
}

interface AuditRow {
  seq: number | string;
  id: string;
  at: number | string;
  actor: string;
  source: string | null;
  action: string;
  target: string;
  change_json: string | null;
  prev_hash: string;
  hash: string;
}

/** The hash of one entry: sha256 over its fields, in a fixed order, as JSON. */
export function auditHash(e: Omit<AuditEntry, 'hash' | 'change'> & { changeJson: string | null }): string {
  return createHash('sha256')
    .update(JSON.stringify([e.seq, e.id, e.at, e.actor, e.source, e.action, e.target, e.changeJson, e.prevHash]))
    .digest('hex');
}

/** Appends one entry to the chain (inside `db`'s transaction when called with one); other capabilities call this for their writes. */
export async function recordAudit(db: Db, input: AuditInput): Promise<AuditEntry> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.tx(async (t) => {
        const last = await t.get<{ seq: number | string; hash: string }>(`SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1`);
        const seq = last ? Number(last.seq) + 1 : 1;
        const prevHash = last?.hash ?? AUDIT_GENESIS;
        const changeJson = input.change === undefined ? null : JSON.stringify(input.change);
        const base = {
          seq,
          id: nextId(),
          at: input.at ?? Date.now(),
          actor: input.actor,
          source: input.source ?? null,
          action: input.action,
          target: input.target,
          prevHash,
        };
        const hash = auditHash({ ...base, changeJson });
        await t.run(
          `INSERT INTO audit_chain (seq, id, at, actor, source, action, target, change_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [seq, base.id, base.at, base.actor, base.source, base.action, base.target, changeJson, prevHash, hash],
        );
        return { ...base, change: input.change ?? null, hash };
      });
    } catch (e) {
      // Two writers on PostgreSQL may pick the same seq: the primary key makes one lose; it retries on the new head.
      if (attempt < 5 && !isSlipwayError(e) && /unique|duplicate|primary key/i.test(String((e as Error)?.message))) continue;
      throw e;
    }
  }
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    seq: Number(r.seq),
    id: r.id,
    at: Number(r.at),
    actor: r.actor,
    source: r.source,
    action: r.action,
    target: r.target,
    change: r.change_json === null ? null : (JSON.parse(r.change_json) as unknown),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Entries in chain order, optionally since a time and only the last `limit`. */
export async function listAudit(db: Db, opts: { since?: number; limit?: number; actor?: string } = {}): Promise<AuditEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (opts.since !== undefined) (where.push('at >= ?'), params.push(opts.since));
  if (opts.actor !== undefined) (where.push('actor = ?'), params.push(opts.actor));
  const sql = `SELECT * FROM audit_chain ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
  const rows = await db.all<AuditRow>(sql, [...params, opts.limit ?? 1000]);
  return rows.map(toEntry).reverse();
}

/** What `verifyAudit` found. */
export interface AuditVerification {
  readonly ok: boolean;
  readonly entries: number;
  readonly head: string;
  /** Each broken link: the seq where the chain stops holding, and why. */
  readonly problems: readonly { seq: number; problem: string }[];
}

/** Walks the whole chain: recomputes every hash and checks every link and sequence number; `head` (a hash seen earlier) must still be in it. */
export async function verifyAudit(db: Db, opts: { head?: string } = {}): Promise<AuditVerification> {
  const problems: { seq: number; problem: string }[] = [];
  let prev = AUDIT_GENESIS;
  let expectSeq = 1;
  let entries = 0;
  let headSeen = opts.head === undefined;
  const page = 5000;
  for (let from = 0; ;) {
    const rows = await db.all<AuditRow>(`SELECT * FROM audit_chain WHERE seq > ? ORDER BY seq LIMIT ?`, [from, page]);
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expectSeq) problems.push({ seq, problem: `entries ${expectSeq}–${seq - 1} are missing (deleted)` });
      if (r.prev_hash !== prev)
        problems.push({ seq, problem: 'the link to the previous entry is broken (an entry before it was edited or deleted)' });
      const want = auditHash({
        seq,
        id: r.id,
        at: Number(r.at),
        actor: r.actor,
        source: r.source,
        action: r.action,
        target: r.target,
        changeJson: r.change_json,
        prevHash: r.prev_hash,
      });
      if (want !== r.hash) problems.push({ seq, problem: 'the entry does not match its hash (edited)' });
      if (r.hash === opts.head) headSeen = true;
      prev = r.hash;
      expectSeq = seq + 1;
      entries++;
      from = seq;
    }
    if (rows.length < page) break;
  }
  if (!headSeen)
    problems.push({ seq: expectSeq, problem: `the head ${opts.head} is no longer in the chain (entries were removed from the end)` });
  return { ok: problems.length === 0, entries, head: prev, problems };
}
