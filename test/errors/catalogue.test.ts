import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { catalogue, SlipwayError, toSlipwayError, type ErrorCode } from '../../src/errors/index.js';
import { messages, errorMessage } from '../../src/errors/messages.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CODES = Object.keys(catalogue) as ErrorCode[];

function sources(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('every code maps to an HTTP status, a gRPC status, an exit code and a message template', () => {
  for (const [code, spec] of Object.entries(catalogue)) {
    assert.ok(spec.http >= 400 && spec.http < 600, code);
    assert.ok(spec.grpc > 0 && spec.grpc <= 16, code);
    assert.ok(spec.exit === 1 || spec.exit === 2, code);
    assert.ok((messages[code] ?? '').length > 10, `${code} has no message template in src/errors/messages.ts`);
  }
  for (const code of Object.keys(messages)) assert.ok(code in catalogue, `messages.ts has a template for unknown code ${code}`);
  assert.equal(new SlipwayError('DATASET_NOT_FOUND', 'x').httpStatus, 404);
  assert.equal(new SlipwayError('GATES_NOT_PASSED', 'x').exitCode, 1);
  assert.equal(new SlipwayError('INPUT_INVALID', 'x').grpcStatus, 3);
  assert.equal(toSlipwayError(new Error('boom')).code, 'INTERNAL');
  assert.equal(
    errorMessage('MODEL_VERSION_NOT_FOUND', { name: 'iris', version: 9 }),
    'model "iris" has no version 9; see `slipway models show iris`',
  );
});

test('every code is raised somewhere under src/ (outside the catalogue): unused codes are removed', () => {
  const text = sources(join(ROOT, 'src'))
    .filter((p) => !p.includes(`${join('src', 'errors')}`))
    .map((p) => readFileSync(p, 'utf8'))
    .join('\n');
  const unused = CODES.filter((c) => !new RegExp(`['"\`]${c}['"\`]`).test(text));
  assert.deepEqual(unused, [], `codes never raised under src/: ${unused.join(', ')}`);
});

test('docs/errors.md lists every code with its HTTP and gRPC status (regenerate: node --import tsx scripts/errors-doc.ts)', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  for (const code of CODES) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\``));
    assert.ok(row, `docs/errors.md has no row for ${code}`);
    const cells = row.split('|').map((c) => c.trim());
    assert.equal(Number(cells[2]), catalogue[code].http, `${code}: HTTP`);
    assert.equal(Number(cells[3]!.split(' ')[0]), catalogue[code].grpc, `${code}: gRPC`);
  }
  const documented = [...doc.matchAll(/^\| `([A-Z0-9_]+)`/gm)].map((m) => m[1]!);
  assert.deepEqual(
    documented.filter((c) => !(c in catalogue)),
    [],
    'docs/errors.md lists codes the catalogue no longer has',
  );
});
