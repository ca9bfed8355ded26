import { badInput, internal, notFound, conflict, unavailable, tooLarge, unauthorized, forbidden } from '../spec.js';

/** Workspace, configuration, CLI and generic request errors. */
export const coreErrors = {
  INTERNAL: internal,
  USAGE: badInput,
  WORKSPACE_NOT_FOUND: notFound,
  WORKSPACE_EXISTS: conflict,
  CONFIG_INVALID: badInput,
  CONFIG_NOT_FOUND: notFound,
  BAD_REQUEST: badInput,
  BODY_TOO_LARGE: tooLarge,
  MALFORMED_JSON: badInput,
  ROUTE_NOT_FOUND: notFound,
  FILE_NOT_FOUND: notFound,
  UNAUTHORIZED: unauthorized,
  FORBIDDEN: forbidden,
  UNAVAILABLE: unavailable,
  OFFLINE: unavailable,
} as const;
