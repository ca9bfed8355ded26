import { monotonicFactory } from 'ulidx';
import type { Db } from '../meta/index.js';
import { SlipwayError } from '../errors/index.js';
import { recordAudit } from '../access/index.js';
import { assertAliasName } from './model-ref.js';
import { aliasVersion, getVersion, requireModel } from './model-repository.js';
import { deliverWebhooks, type WebhookConfig, type WebhookDelivery } from './webhooks.js';
import type { AliasMove } from './types.js';

const nextId = monotonicFactory();

/** Options of one alias move. */
export interface SetAliasOptions {
  readonly model: string;
  readonly alias: string;
  readonly version: number;
  readonly actor: string;
  /** Where the move came from (a client address, `cli`), for the audit log. */
  readonly source?: string | undefined;
  readonly reason?: string | undefined;
  readonly force?: boolean | undefined;
  readonly gateReportId?: string | null | undefined;
  /**
   * Compare-and-set: the version the caller saw behind the alias (null: unset). When the alias moved since, the move
   * fails with ALIAS_CONFLICT. Omitted: whatever the alias points to when the transaction starts.
   */
  readonly expected?: number | null | undefined;
  readonly kind?: 'move' | 'rollback';
  /** Notified after the move commits; failures are recorded, never raised. */
  readonly webhooks?: readonly WebhookConfig[] | undefined;
  readonly onWebhookFailure?: ((d: WebhookDelivery) => void) | undefined;
}

/** Moves an alias in one transaction that writes aliases, alias_history and the audit chain; then notifies webhooks. */
export async function setAlias(db: Db, opts: SetAliasOptions): Promise<AliasMove> {
  assertAliasName(opts.alias);
  const move = await db.tx(async (t) => {
    await getVersion(t, opts.model, opts.version);
    const current = await aliasVersion(t, opts.model, opts.alias);
    const expected = opts.expected === undefined ? current : opts.expected;
    if (current !== expected) throw conflict(opts, expected, current);
    const now = Date.now();
    // The conditional write is the compare-and-set: on PostgreSQL a concurrent mover changes 0 rows and loses.
    const res =
      expected === null
        ? await t.run(`INSERT INTO aliases (model, alias, version, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (model, alias) DO NOTHING`, [
            opts.model,
            opts.alias,
            opts.version,
            now,
          ])
        : await t.run(`UPDATE aliases SET version = ?, updated_at = ? WHERE model = ? AND alias = ? AND version = ?`, [
            opts.version,
            now,
            opts.model,
            opts.alias,
            expected,
          ]);
    if (res.changes !== 1) throw conflict(opts, expected, await aliasVersion(t, opts.model, opts.alias));
    const m: AliasMove = {
      id: nextId(),
      model: opts.model,
      alias: opts.alias,
      from: current,
      to: opts.version,
      actor: opts.actor,
      reason: opts.reason ?? null,
      forced: Boolean(opts.force),
      gateReportId: opts.gateReportId ?? null,
      kind: opts.kind ?? 'move',
      at: now,
    };
    await t.run(
      `INSERT INTO alias_history (id, model, alias, from_version, to_version, actor, reason, forced, gate_report_id, at, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [m.id, m.model, m.alias, m.from, m.to, m.actor, m.reason, m.forced ? 1 : 0, m.gateReportId, m.at, m.kind],
    );
    await recordAudit(t, {
      at: now,
      actor: m.actor,
      source: opts.source,
      action: m.kind === 'rollback' ? 'alias.rollback' : m.forced ? 'alias.force' : 'alias.set',
      target: `${m.model}:${m.alias}`,
      change: { from: m.from, to: m.to, reason: m.reason, forced: m.forced, gateReportId: m.gateReportId },
    });
    return m;
  });
  if (opts.webhooks && opts.webhooks.length > 0) {
    await deliverWebhooks(
      db,
      opts.webhooks,
      move.kind === 'rollback' ? 'alias.rollback' : 'alias.moved',
      `${move.model}:${move.alias}`,
      { move },
      {
        onFailure: opts.onWebhookFailure,
      },
    );
  }
  return move;
}

function conflict(opts: SetAliasOptions, expected: number | null, actual: number | null): SlipwayError {
  return new SlipwayError(
    'ALIAS_CONFLICT',
    `${opts.model}:${opts.alias} moved while this change was being prepared (expected ${expected ?? 'unset'}, now ${actual ?? 'unset'}); check \`slipway models history ${opts.model}\` and try again`,
    { model: opts.model, alias: opts.alias, expected, actual },
  );
}

interface HistoryRow {
  id: string;
  model: string;
  alias: string;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  reason: string | null;
  forced: number;
  gate_report_id: string | null;
  kind: string;
  at: number;
}

/** Every alias move of a model (optionally one alias), oldest first. */
export async function aliasHistory(db: Db, model: string, opts: { alias?: string; limit?: number } = {}): Promise<AliasMove[]> {
  await requireModel(db, model);
  const rows = await db.all<HistoryRow>(
    `SELECT id, model, alias, from_version, to_version, actor, reason, forced, gate_report_id, kind, at FROM alias_history
      WHERE model = ?${opts.alias ? ' AND alias = ?' : ''} ORDER BY at, id`,
    opts.alias ? [model, opts.alias] : [model],
  );
  const out = rows.map((r) => ({
    id: r.id,
    model: r.model,
    alias: r.alias,
    from: r.from_version === null ? null : Number(r.from_version),
    to: r.to_version === null ? null : Number(r.to_version),
    actor: r.actor,
    reason: r.reason,
    forced: Boolean(Number(r.forced)),
    gateReportId: r.gate_report_id,
    kind: (r.kind === 'rollback' ? 'rollback' : 'move') as AliasMove['kind'],
    at: Number(r.at),
  }));
  return opts.limit !== undefined ? out.slice(-opts.limit) : out;
}

/**
 * The version an alias would roll back to: the history is replayed as a stack (a move pushes, a rollback pops), so
 * repeated rollbacks walk further back instead of toggling between two versions.
 */
export async function rollbackTarget(db: Db, model: string, alias: string): Promise<{ current: number | null; target: number | null }> {
  const stack: number[] = [];
  for (const m of await aliasHistory(db, model, { alias })) {
    if (m.kind === 'rollback') stack.pop();
    else if (m.to !== null && stack[stack.length - 1] !== m.to) stack.push(m.to);
  }
  const current = await aliasVersion(db, model, alias);
  return { current, target: stack.length >= 2 ? stack[stack.length - 2]! : null };
}

/** Moves an alias back to the version it pointed to before its last move (audited as a rollback). */
export async function rollbackAlias(
  db: Db,
  opts: { model: string; alias: string; actor: string; reason?: string; webhooks?: readonly WebhookConfig[] },
): Promise<AliasMove> {
  assertAliasName(opts.alias);
  await requireModel(db, opts.model);
  const { current, target } = await rollbackTarget(db, opts.model, opts.alias);
  if (current === null)
    throw new SlipwayError('ALIAS_NOT_FOUND', `model "${opts.model}" has no alias "${opts.alias}"`, {
      model: opts.model,
      alias: opts.alias,
    });
  if (target === null)
    throw new SlipwayError(
      'ALIAS_NO_PREVIOUS',
      `${opts.model}:${opts.alias} has no earlier version to roll back to; move it explicitly with \`slipway models alias\``,
      { model: opts.model, alias: opts.alias },
    );
  return setAlias(db, { ...opts, version: target, expected: current, kind: 'rollback', reason: opts.reason ?? `rollback from ${current}` });
}
