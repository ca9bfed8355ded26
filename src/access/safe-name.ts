import { SlipwayError } from '../errors/index.js';

// C0 controls, DEL and C1 controls: never valid in a name or path that ends up in a file system, a log or a header.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** True when `s` holds a NUL or another control character. */
export function hasControlChars(s: string): boolean {
  return CONTROL.test(s);
}

/** Refuses a name or path with NUL/control characters (NAME_INVALID), naming what it is without echoing it raw. */
export function assertNoControlChars(s: string, what: string): void {
  if (hasControlChars(s))
    throw new SlipwayError(
      'NAME_INVALID',
      `${what} ${JSON.stringify(truncateForEcho(s))} holds a NUL or control character; use printable characters only`,
      {
        what,
      },
    );
}

/** Shortens a client-supplied string before it is echoed in a message (long names overflow headers and logs). */
export function truncateForEcho(s: string, max = 120): string {
  return s.length <= max ? s : `${s.slice(0, max)}…(${s.length} chars)`;
}
