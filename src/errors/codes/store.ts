import { badInput, internal, notFound, conflict, unavailable } from '../spec.js';

/** Content-addressed store, trees, remotes, metadata database. */
export const storeErrors = {
  OBJECT_NOT_FOUND: notFound,
  OBJECT_CORRUPT: internal,
  TREE_INVALID: badInput,
  PATH_ESCAPES: badInput,
  PATH_NOT_FOUND: notFound,
  REMOTE_NOT_FOUND: notFound,
  REMOTE_EXISTS: conflict,
  REMOTE_UNSUPPORTED: badInput,
  REMOTE_FAILED: internal,
  STORE_LOCKED: unavailable,
  POINTER_INVALID: badInput,
  DB_FAILED: internal,
  DB_MIGRATION_FAILED: internal,
} as const;
