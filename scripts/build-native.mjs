#!/usr/bin/env node
// Builds the engine's native kernels with node-gyp at install time. Without a C++ compiler the engine falls back
// to its TypeScript reference kernels, so a failed build is reported once and never fails the install.
// Run by hand (`node scripts/build-native.mjs`) it finds npm's bundled node-gyp and the local Node headers itself.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'binding.gyp')) || process.env.SLIPWAY_SKIP_NATIVE === '1') process.exit(0);
const prefix = join(dirname(process.execPath), '..');
const candidates = [
  join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  process.env.npm_config_node_gyp,
  join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));
const script = candidates[0] ?? null;
const args = ['rebuild', '--release', '-j', 'max'];
// Build against the installed Node headers when npm did not say where they are (no download at install time).
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = script
  ? spawnSync(process.execPath, [script, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  : spawnSync('node-gyp', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', shell: true });
if (r.status === 0) {
  console.log('slipway: native kernels built (build/Release/slipway_native.node)');
} else {
  console.warn('slipway: native kernels could not be built (no C++ compiler?); using the TypeScript reference kernels, which are slower.');
  if (process.env.SLIPWAY_VERBOSE === '1') console.warn(r.stderr || r.error?.message);
}
