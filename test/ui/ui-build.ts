/** Builds the dashboard into a temp folder for the browser tests and the benchmark (so a stale ui/dist never hides a change). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs `vite build` for ui/ into a fresh temp folder; returns that folder. */
export function buildUiInto(): string {
  const out = mkdtempSync(join(tmpdir(), 'slipway-ui-dist-'));
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', join(ROOT, 'ui', 'vite.config.ts')], {
    cwd: ROOT,
    env: { ...process.env, SLIPWAY_UI_OUT: out },
    encoding: 'utf8',
  });
  if (r.status !== 0 || !existsSync(join(out, 'index.html'))) throw new Error(`vite build failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return out;
}

/** Debian's Chromium (CI installs it with apt), or SLIPWAY_CHROMIUM; null when neither exists. */
export function chromiumPath(): string | null {
  const p = process.env.SLIPWAY_CHROMIUM ?? '/usr/bin/chromium';
  return existsSync(p) ? p : null;
}

/** The flags every headless run uses: no sandbox (containers), no GPU, no network chatter of its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
