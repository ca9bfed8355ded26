/** Access: identities, hashed tokens, roles and per-model grants, protected aliases, the hash-chained audit log. */
export * from './roles.js';
export * from './identities.js';
export * from './grants.js';
export * from './audit-log.js';
export * from './safe-name.js';
export * from './authenticate.js';
export * from './http-edge.js';
