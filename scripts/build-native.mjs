#!/usr/bin/env node
// Builds the engine's native kernels with node-gyp at install time. Without a C++ compiler the engine falls back
// to its TypeScript reference kernels, so a failed build is reported once and never fails the install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'binding.gyp')) || process.env.SLIPWAY_SKIP_NATIVE === '1') process.exit(0);
const gyp = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const npmGyp = process.env.npm_config_node_gyp;
const script = existsSync(gyp) ? gyp : npmGyp && existsSync(npmGyp) ? npmGyp : null;
const r = script
  ? spawnSync(process.execPath, [script, 'rebuild', '--release', '-j', 'max'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    })
  : spawnSync('node-gyp', ['rebuild', '--release', '-j', 'max'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      shell: true,
    });
if (r.status === 0) {
  console.log('slipway: native kernels built (build/Release/slipway_native.node)');
} else {
  console.warn('slipway: native kernels could not be built (no C++ compiler?); using the TypeScript reference kernels, which are slower.');
  if (process.env.SLIPWAY_VERBOSE === '1') console.warn(r.stderr || r.error?.message);
}
