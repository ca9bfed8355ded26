#!/usr/bin/env node
// Runs the test suite with node's test runner through tsx. Extra args are passed on (e.g. a file or --test-name-pattern).
// SLIPWAY_TEST_GLOB narrows the files; by default every test/**/*.test.ts runs.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const files = args.some((a) => !a.startsWith('-')) ? [] : find('test').sort();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=1200000', ...args, ...files], {
  stdio: 'inherit',
  env: { ...process.env, SLIPWAY_NO_PROGRESS: '1' },
});
process.exit(r.status ?? 1);
