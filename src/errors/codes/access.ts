import { badInput, notFound, conflict, unauthorized, forbidden, verdict, tooLarge, precondition } from '../spec.js';

/** Identities, tokens, grants, the audit chain, model signing, request hygiene. */
export const accessErrors = {
  TOKEN_INVALID: unauthorized,
  TOKEN_EXPIRED: unauthorized,
  IDENTITY_NOT_FOUND: notFound,
  IDENTITY_EXISTS: conflict,
  ROLE_INVALID: badInput,
  PERMISSION_DENIED: forbidden,
  ALIAS_PROTECTED: forbidden,
  AUTH_REQUIRED: precondition,
  AUDIT_CHAIN_BROKEN: verdict,
  SIGNATURE_INVALID: verdict,
  SIGNATURE_MISSING: verdict,
  SIGNING_KEY_INVALID: badInput,
  UNSUPPORTED_MEDIA_TYPE: { http: 415, grpc: 3, exit: 2 },
  URI_TOO_LONG: { http: 414, grpc: 3, exit: 2 },
  HEADERS_TOO_LARGE: { http: 431, grpc: 3, exit: 2 },
  METHOD_NOT_ALLOWED: { http: 405, grpc: 12, exit: 2 },
  REQUEST_TIMEOUT: { http: 408, grpc: 4, exit: 2 },
  NAME_INVALID: badInput,
  QUOTA_EXCEEDED: tooLarge,
} as const;
