/**
 * Identities (users and service accounts) and their bearer tokens. A token is `slw_` + 32 random bytes (base64url),
 * shown once at creation; only its sha256 is stored, so a leaked database does not leak working tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulidx';
import type { Db } from '../meta/index.js';
import { SlipwayError } from '../errors/index.js';
import { parseRole, type Role } from './roles.js';
import { assertNoControlChars } from './safe-name.js';
import { recordAudit } from './audit-log.js';

const nextId = monotonicFactory();

/** Who is asking: resolved from a token, or the local/anonymous stand-ins when auth is off. */
export interface Identity {
  readonly name: string;
  readonly kind: 'user' | 'service' | 'local' | 'anonymous';
  readonly role: Role;
  /** The token used, when there was one. */
  readonly tokenId?: string;
}

/** A stored token, without its secret. */
export interface TokenInfo {
  readonly id: string;
  readonly identity: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
}

/** The stand-in identity when the server runs without auth (loopback only). */
export const ANONYMOUS: Identity = { name: 'anonymous', kind: 'anonymous', role: 'admin' };

/** The identity of a person at this machine's CLI (they can read the database file anyway). */
export function localIdentity(user: string): Identity {
  return { name: `local:${user}`, kind: 'local', role: 'admin' };
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
function checkName(name: string, what: string): void {
  assertNoControlChars(name, what);
  if (!NAME.test(name))
    throw new SlipwayError(
      'NAME_INVALID',
      `${what} "${name}" must be 1–128 letters, digits, ".", "_", "@" or "-", starting with a letter or digit`,
      {
        name,
      },
    );
}

/** Creates a user or service identity with a role (IDENTITY_EXISTS when the name is taken). */
export async function createIdentity(
  db: Db,
  opts: { name: string; kind: 'user' | 'service'; role: Role | string; actor: string; source?: string },
): Promise<Identity> {
  checkName(opts.name, 'identity name');
  const role = parseRole(opts.role);
  return db.tx(async (t) => {
    if (await t.get(`SELECT name FROM identities WHERE name = ?`, [opts.name]))
      throw new SlipwayError('IDENTITY_EXISTS', `identity "${opts.name}" exists; pick another name or add a token to it with --user`, {
        name: opts.name,
      });
    await t.run(`INSERT INTO identities (name, kind, role, created_at, disabled) VALUES (?, ?, ?, ?, 0)`, [
      opts.name,
      opts.kind,
      role,
      Date.now(),
    ]);
    await recordAudit(t, {
      actor: opts.actor,
      source: opts.source,
      action: 'identity.create',
      target: opts.name,
      change: { kind: opts.kind, role },
    });
    return { name: opts.name, kind: opts.kind, role };
  });
}

/** One identity (IDENTITY_NOT_FOUND otherwise). */
export async function getIdentity(db: Db, name: string): Promise<Identity & { disabled: boolean }> {
  const r = await db.get<{ name: string; kind: 'user' | 'service'; role: Role; disabled: number }>(
    `SELECT * FROM identities WHERE name = ?`,
    [name],
  );
  if (!r) throw new SlipwayError('IDENTITY_NOT_FOUND', `no identity "${name}"; \`slipway auth list\` shows them`, { name });
  return { name: r.name, kind: r.kind, role: r.role, disabled: Boolean(r.disabled) };
}

/** Every identity. */
export async function listIdentities(db: Db): Promise<(Identity & { disabled: boolean; createdAt: number })[]> {
  const rows = await db.all<{ name: string; kind: 'user' | 'service'; role: Role; disabled: number; created_at: number | string }>(
    `SELECT * FROM identities ORDER BY name`,
  );
  return rows.map((r) => ({ name: r.name, kind: r.kind, role: r.role, disabled: Boolean(r.disabled), createdAt: Number(r.created_at) }));
}

/** Changes an identity's role. */
export async function setRole(db: Db, opts: { name: string; role: Role | string; actor: string; source?: string }): Promise<void> {
  const role = parseRole(opts.role);
  await db.tx(async (t) => {
    const before = await getIdentity(t, opts.name);
    await t.run(`UPDATE identities SET role = ? WHERE name = ?`, [role, opts.name]);
    await recordAudit(t, {
      actor: opts.actor,
      source: opts.source,
      action: 'identity.role',
      target: opts.name,
      change: { from: before.role, to: role },
    });
  });
}

/**
 * Creates a token for an identity and returns it (the only time it is visible). Without an existing `identity`, a
 * service identity named `name` with `role` is created with it (`slipway auth token create --name ci --role deployer`).
 */
export async function createToken(
  db: Db,
  opts: {
    name: string;
    identity?: string;
    role?: Role | string;
    expiresInMs?: number | null;
    actor: string;
    source?: string;
    now?: number;
  },
): Promise<{ token: string; info: TokenInfo }> {
  checkName(opts.name, 'token name');
  return db.tx(async (t) => {
    let who: Identity;
    if (opts.identity !== undefined) who = await getIdentity(t, opts.identity);
    else {
      const existing = await t.get(`SELECT name FROM identities WHERE name = ?`, [opts.name]);
      who = existing
        ? await getIdentity(t, opts.name)
        : await createIdentity(t, {
            name: opts.name,
            kind: 'service',
            role: opts.role ?? 'viewer',
            actor: opts.actor,
            source: opts.source,
          });
    }
    const token = `slw_${randomBytes(32).toString('base64url')}`;
    const now = opts.now ?? Date.now();
    const info: TokenInfo = {
      id: nextId(),
      identity: who.name,
      name: opts.name,
      role: who.role,
      createdAt: now,
      expiresAt: opts.expiresInMs === null || opts.expiresInMs === undefined ? null : now + opts.expiresInMs,
      revokedAt: null,
      lastUsedAt: null,
    };
    await t.run(
      `INSERT INTO access_tokens (id, identity, name, token_hash, created_at, expires_at, revoked_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)`,
      [info.id, info.identity, info.name, hashToken(token), info.createdAt, info.expiresAt],
    );
    // The audit entry names the token, never its secret or hash.
    await recordAudit(t, {
      actor: opts.actor,
      source: opts.source,
      action: 'token.create',
      target: info.identity,
      change: { tokenId: info.id, name: info.name, expiresAt: info.expiresAt },
    });
    return { token, info };
  });
}

interface TokenRow {
  id: string;
  identity: string;
  name: string;
  role: Role;
  created_at: number | string;
  expires_at: number | string | null;
  revoked_at: number | string | null;
  last_used_at: number | string | null;
  disabled?: number;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));
function toInfo(r: TokenRow): TokenInfo {
  return {
    id: r.id,
    identity: r.identity,
    name: r.name,
    role: r.role,
    createdAt: Number(r.created_at),
    expiresAt: num(r.expires_at),
    revokedAt: num(r.revoked_at),
    lastUsedAt: num(r.last_used_at),
  };
}

/** Every token (no secrets). */
export async function listTokens(db: Db): Promise<TokenInfo[]> {
  const rows = await db.all<TokenRow>(
    `SELECT t.*, i.role FROM access_tokens t JOIN identities i ON i.name = t.identity ORDER BY t.created_at, t.id`,
  );
  return rows.map(toInfo);
}

/** Revokes a token by id or name (IDENTITY_NOT_FOUND when none matches). */
export async function revokeToken(db: Db, opts: { idOrName: string; actor: string; source?: string }): Promise<number> {
  return db.tx(async (t) => {
    const now = Date.now();
    const res = await t.run(`UPDATE access_tokens SET revoked_at = ? WHERE (id = ? OR name = ?) AND revoked_at IS NULL`, [
      now,
      opts.idOrName,
      opts.idOrName,
    ]);
    if (res.changes === 0)
      throw new SlipwayError('IDENTITY_NOT_FOUND', `no live token "${opts.idOrName}"; \`slipway auth token list\` shows them`, {
        token: opts.idOrName,
      });
    await recordAudit(t, {
      actor: opts.actor,
      source: opts.source,
      action: 'token.revoke',
      target: opts.idOrName,
      change: { count: res.changes },
    });
    return res.changes;
  });
}

/** True when at least one live token exists (then servers on loopback turn auth on by themselves). */
export async function hasTokens(db: Db): Promise<boolean> {
  return (await db.get(`SELECT id FROM access_tokens WHERE revoked_at IS NULL LIMIT 1`)) !== undefined;
}

/** Resolves a presented token to its identity: TOKEN_INVALID (unknown, revoked, disabled) or TOKEN_EXPIRED. */
export async function authenticateToken(db: Db, token: string, now = Date.now()): Promise<Identity> {
  const r = await db.get<TokenRow & { kind: 'user' | 'service'; disabled: number }>(
    `SELECT t.*, i.role, i.kind, i.disabled FROM access_tokens t JOIN identities i ON i.name = t.identity WHERE t.token_hash = ?`,
    [hashToken(token)],
  );
  if (!r || r.revoked_at !== null || r.disabled)
    throw new SlipwayError('TOKEN_INVALID', 'the bearer token is unknown or revoked; create one with `slipway auth token create`');
  if (r.expires_at !== null && Number(r.expires_at) <= now)
    throw new SlipwayError('TOKEN_EXPIRED', 'the bearer token has expired; create a new one with `slipway auth token create`');
  // last_used_at is a hint for admins, written at most once a minute per token to keep reads cheap.
  if (r.last_used_at === null || now - Number(r.last_used_at) > 60_000)
    await db.run(`UPDATE access_tokens SET last_used_at = ? WHERE id = ?`, [now, r.id]).catch(() => undefined);
  return { name: r.identity, kind: r.kind, role: r.role, tokenId: r.id };
}
