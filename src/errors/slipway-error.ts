import { specOf, type ErrorCode } from './catalogue.js';

/** The one error type Slipway throws: a catalogue code, a message that says what to do, and optional details. */
export class SlipwayError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SlipwayError';
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return specOf(this.code).http;
  }

  get grpcStatus(): number {
    return specOf(this.code).grpc;
  }

  get exitCode(): 1 | 2 {
    return specOf(this.code).exit;
  }

  /** The wire shape used by every HTTP API: `{ error: { code, message, details? } }`. */
  toJSON(): { code: string; message: string; details?: Record<string, unknown> } {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

/** True when `e` is a SlipwayError, optionally with the given code. */
export function isSlipwayError(e: unknown, code?: ErrorCode): e is SlipwayError {
  return e instanceof SlipwayError && (code === undefined || e.code === code);
}

/** Wraps anything thrown into a SlipwayError; unknown errors become INTERNAL and keep their cause. */
export function toSlipwayError(e: unknown): SlipwayError {
  if (e instanceof SlipwayError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new SlipwayError('INTERNAL', `unexpected error: ${message}`, undefined, { cause: e });
}
