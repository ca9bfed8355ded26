/** How one error code surfaces at each edge: HTTP status, gRPC status code, CLI exit code. */
export interface ErrorSpec {
  /** HTTP status the control plane and model server answer with. */
  readonly http: number;
  /** gRPC status code (3 INVALID_ARGUMENT, 5 NOT_FOUND, 6 ALREADY_EXISTS, 9 FAILED_PRECONDITION, 13 INTERNAL, 14 UNAVAILABLE, 8 RESOURCE_EXHAUSTED). */
  readonly grpc: number;
  /** CLI exit code: 1 for a failed check (a verdict), 2 for usage or internal errors. */
  readonly exit: 1 | 2;
}

/** Shorthands so each catalogue file reads as a table. */
export const badInput: ErrorSpec = { http: 400, grpc: 3, exit: 2 };
export const notFound: ErrorSpec = { http: 404, grpc: 5, exit: 2 };
export const conflict: ErrorSpec = { http: 409, grpc: 6, exit: 2 };
export const precondition: ErrorSpec = { http: 412, grpc: 9, exit: 2 };
export const verdict: ErrorSpec = { http: 422, grpc: 9, exit: 1 };
export const tooLarge: ErrorSpec = { http: 413, grpc: 8, exit: 2 };
export const internal: ErrorSpec = { http: 500, grpc: 13, exit: 2 };
export const unavailable: ErrorSpec = { http: 503, grpc: 14, exit: 2 };
export const unauthorized: ErrorSpec = { http: 401, grpc: 16, exit: 2 };
export const forbidden: ErrorSpec = { http: 403, grpc: 7, exit: 2 };
