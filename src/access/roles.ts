import { SlipwayError } from '../errors/index.js';

/** Global roles, each including the ones before it. */
export const ROLES = ['viewer', 'developer', 'deployer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Per-model permissions (MLflow's model): READ < EDIT (register versions, run gates) < MANAGE (move aliases, grant). */
export const PERMISSIONS = ['READ', 'EDIT', 'MANAGE'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** True when `have` is at least `need` in viewer < developer < deployer < admin. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** True when `have` is at least `need` in READ < EDIT < MANAGE. */
export function permissionAtLeast(have: Permission, need: Permission): boolean {
  return PERMISSIONS.indexOf(have) >= PERMISSIONS.indexOf(need);
}

/** The permission a role has on every model before grants: viewers read, developers and deployers edit, admins manage. */
export function roleModelPermission(role: Role): Permission {
  return role === 'admin' ? 'MANAGE' : role === 'viewer' ? 'READ' : 'EDIT';
}

/** Parses a role name (ROLE_INVALID otherwise). */
export function parseRole(s: string): Role {
  if ((ROLES as readonly string[]).includes(s)) return s as Role;
  throw new SlipwayError('ROLE_INVALID', `unknown role "${s}"; use one of ${ROLES.join(', ')}`, { role: s });
}

/** Parses a permission name, case-insensitive (ROLE_INVALID otherwise). */
export function parsePermission(s: string): Permission {
  const u = s.toUpperCase();
  if ((PERMISSIONS as readonly string[]).includes(u)) return u as Permission;
  throw new SlipwayError('ROLE_INVALID', `unknown permission "${s}"; use one of ${PERMISSIONS.join(', ')}`, { permission: s });
}
