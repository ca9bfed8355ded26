import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

// DESIGN §3: a capability that needs another one asks through that capability's public index.ts (or a sub-folder's
// index.ts). The engine and the bottom layers (config, store, meta, errors) are libraries every capability may use.
const SRC = join(import.meta.dirname, '..', '..', 'src');
const CAPABILITIES = new Set([
  'access',
  'data',
  'deploy',
  'explain',
  'gates',
  'monitoring',
  'pipeline',
  'registry',
  'rollout',
  'runtime',
  'serving',
  'tracking',
  'tuning',
]);
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function files(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) files(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('capabilities (and the engine) reach other capabilities only through their index.ts', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const from = relative(SRC, f).split('/')[0]!;
    if (!CAPABILITIES.has(from) && from !== 'engine') continue;
    for (const m of readFileSync(f, 'utf8').matchAll(IMPORT)) {
      const target = relative(SRC, resolve(dirname(f), (m[1] ?? m[2])!));
      const to = target.split('/')[0]!;
      if (to === from || !CAPABILITIES.has(to)) continue;
      if (basename(target).replace(/\.[jt]s$/, '') !== 'index') bad.push(`${relative(SRC, f)} → ${target}`);
    }
  }
  assert.deepEqual(bad, [], `imports of another capability's internals:\n${bad.join('\n')}`);
});
