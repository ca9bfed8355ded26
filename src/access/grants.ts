/**
 * Per-model grants (READ, EDIT, MANAGE; they raise an identity above its role on one model, as in MLflow) and
 * protected aliases (only the listed identities or `role:NAME`s may move them).
 */
import type { Db } from '../meta/index.js';
import { SlipwayError } from '../errors/index.js';
import { parsePermission, permissionAtLeast, roleAtLeast, roleModelPermission, ROLES, type Permission, type Role } from './roles.js';
import { recordAudit } from './audit-log.js';
import type { Identity } from './identities.js';

/** Grants `permission` on `model` (or `*`) to an identity name or `role:NAME`. */
export async function grantModel(
  db: Db,
  opts: { subject: string; model: string; permission: Permission | string; actor: string; source?: string },
): Promise<void> {
  const permission = parsePermission(opts.permission);
  await db.tx(async (t) => {
    await t.run(`DELETE FROM model_grants WHERE subject = ? AND model = ?`, [opts.subject, opts.model]);
    await t.run(`INSERT INTO model_grants (subject, model, permission, created_at) VALUES (?, ?, ?, ?)`, [
      opts.subject,
      opts.model,
      permission,
      Date.now(),
    ]);
    await recordAudit(t, {
      actor: opts.actor,
      source: opts.source,
      action: 'grant.set',
      target: opts.model,
      change: { subject: opts.subject, permission },
    });
  });
}

/** Removes a grant. */
export async function revokeGrant(db: Db, opts: { subject: string; model: string; actor: string; source?: string }): Promise<void> {
  await db.tx(async (t) => {
    await t.run(`DELETE FROM model_grants WHERE subject = ? AND model = ?`, [opts.subject, opts.model]);
    await recordAudit(t, {
      actor: opts.actor,
      source: opts.source,
      action: 'grant.revoke',
      target: opts.model,
      change: { subject: opts.subject },
    });
  });
}

/** Every grant. */
export async function listGrants(db: Db): Promise<{ subject: string; model: string; permission: Permission }[]> {
  return db.all(`SELECT subject, model, permission FROM model_grants ORDER BY model, subject`);
}

const subjectsOf = (who: Identity): string[] => [who.name, `role:${who.role}`];

/** The permission an identity has on one model: its role's default raised by any grant to it or its role. */
export async function modelPermission(db: Db, who: Identity, model: string): Promise<Permission> {
  let best = roleModelPermission(who.role);
  const subjects = subjectsOf(who);
  const rows = await db.all<{ permission: Permission }>(
    `SELECT permission FROM model_grants WHERE model IN (?, '*') AND subject IN (${subjects.map(() => '?').join(', ')})`,
    [model, ...subjects],
  );
  for (const r of rows) if (permissionAtLeast(r.permission, best)) best = r.permission;
  return best;
}

/** PERMISSION_DENIED unless `who` has at least `need` on `model`. */
export async function requireModelPermission(db: Db, who: Identity, model: string, need: Permission): Promise<void> {
  const have = await modelPermission(db, who, model);
  if (!permissionAtLeast(have, need))
    throw new SlipwayError(
      'PERMISSION_DENIED',
      `${who.name} (${who.role}) has ${have} on model "${model}" and needs ${need}; an admin can run \`slipway auth grant ${who.name} ${model} ${need}\``,
      { identity: who.name, model, need, have },
    );
}

/** Moving an alias needs the deployer role or a MANAGE grant on the model, and for a protected alias a listed subject. */
export async function requireAliasMove(db: Db, who: Identity, model: string, alias: string): Promise<void> {
  if (!roleAtLeast(who.role, 'deployer')) await requireModelPermission(db, who, model, 'MANAGE');
  const allowed = await protectedAliasSubjects(db, model, alias);
  if (allowed === null) return;
  const mine = subjectsOf(who);
  // `role:deployer` listed also admits every role above it.
  const ok = allowed.some(
    (s) =>
      mine.includes(s) ||
      (s.startsWith('role:') && (ROLES as readonly string[]).includes(s.slice(5)) && roleAtLeast(who.role, s.slice(5) as Role)),
  );
  if (!ok)
    throw new SlipwayError(
      'ALIAS_PROTECTED',
      `${model}:${alias} is protected: only ${allowed.join(', ')} may move it (you are ${who.name}, ${who.role})`,
      { model, alias, allowed },
    );
}

/** Protects `model:alias` (model `*` for every model): only `subjects` (identity names or `role:NAME`) may move it. */
export async function protectAlias(
  db: Db,
  opts: { model: string; alias: string; subjects: readonly string[]; actor: string; source?: string },
): Promise<void> {
  if (opts.subjects.length === 0)
    throw new SlipwayError('USAGE', 'name at least one identity or role:NAME that may move the alias (--allow)');
  await db.tx(async (t) => {
    await t.run(`DELETE FROM protected_aliases WHERE model = ? AND alias = ?`, [opts.model, opts.alias]);
    await t.run(`INSERT INTO protected_aliases (model, alias, subjects_json, created_at) VALUES (?, ?, ?, ?)`, [
      opts.model,
      opts.alias,
      JSON.stringify(opts.subjects),
      Date.now(),
    ]);
    await recordAudit(t, {
      actor: opts.actor,
      source: opts.source,
      action: 'alias.protect',
      target: `${opts.model}:${opts.alias}`,
      change: { subjects: opts.subjects },
    });
  });
}

/** Removes a protection. */
export async function unprotectAlias(db: Db, opts: { model: string; alias: string; actor: string; source?: string }): Promise<void> {
  await db.tx(async (t) => {
    await t.run(`DELETE FROM protected_aliases WHERE model = ? AND alias = ?`, [opts.model, opts.alias]);
    await recordAudit(t, { actor: opts.actor, source: opts.source, action: 'alias.unprotect', target: `${opts.model}:${opts.alias}` });
  });
}

/** The subjects allowed to move `model:alias`, or null when it is not protected (a model's own rule wins over `*`). */
export async function protectedAliasSubjects(db: Db, model: string, alias: string): Promise<string[] | null> {
  const rows = await db.all<{ model: string; subjects_json: string }>(
    `SELECT model, subjects_json FROM protected_aliases WHERE alias = ? AND model IN (?, '*')`,
    [alias, model],
  );
  const row = rows.find((r) => r.model === model) ?? rows[0];
  return row ? (JSON.parse(row.subjects_json) as string[]) : null;
}

/** Every protection. */
export async function listProtectedAliases(db: Db): Promise<{ model: string; alias: string; subjects: string[] }[]> {
  const rows = await db.all<{ model: string; alias: string; subjects_json: string }>(
    `SELECT * FROM protected_aliases ORDER BY model, alias`,
  );
  return rows.map((r) => ({ model: r.model, alias: r.alias, subjects: JSON.parse(r.subjects_json) as string[] }));
}
