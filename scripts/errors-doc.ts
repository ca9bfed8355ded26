// Writes docs/errors.md from the error catalogue (src/errors): every code with its HTTP status, gRPC status, CLI exit
// code and message template. Run `node --import tsx scripts/errors-doc.ts` after adding a code;
// test/errors/catalogue.test.ts fails while the file is out of date.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { catalogue, type ErrorSpec } from '../src/errors/index.js';
import { messages } from '../src/errors/messages.js';

const GRPC: Record<number, string> = {
  3: 'INVALID_ARGUMENT',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
  4: 'DEADLINE_EXCEEDED',
};

/** The Markdown of docs/errors.md. */
export function errorsMarkdown(): string {
  const rows = Object.entries(catalogue as Record<string, ErrorSpec>)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, s]) => {
      const template = messages[code] ?? '';
      return `| \`${code}\` | ${s.http} | ${s.grpc} ${GRPC[s.grpc] ?? ''} | ${s.exit} | ${template.replace(/\|/g, '\\|')} |`;
    });
  return [
    '# Errors',
    '',
    'Every failure Slipway reports carries one of these codes (`error[CODE]: message` on the CLI,',
    '`{"error": {"code", "message"}}` over HTTP, the gRPC status below over gRPC). The message says what went wrong',
    'and how to fix it; `{placeholders}` are filled at the throw site. Exit code 1 means a check failed (a verdict),',
    '2 a usage, input or internal error. Generated from `src/errors` by `node --import tsx scripts/errors-doc.ts`.',
    '',
    '| code | HTTP | gRPC | exit | message |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  writeFileSync(join(import.meta.dirname, '..', 'docs', 'errors.md'), errorsMarkdown());
