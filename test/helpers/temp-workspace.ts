import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { initWorkspace, type Workspace } from '../../src/config/index.js';

/** Creates a temp folder holding `files` (path → content); returns its path and a cleanup function. */
export function tempDir(files: Record<string, string | Uint8Array> = {}): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-test-'));
  writeFiles(dir, files);
  // Retries: a background process a test started (a git hook's repro) may still be finishing its last writes.
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }) };
}

/** Writes a file map under `dir`, creating folders. */
export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [p, content] of Object.entries(files)) {
    const full = join(dir, p);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

/** A fresh initialised workspace with `files` in it. */
export function tempWorkspace(files: Record<string, string | Uint8Array> = {}): { ws: Workspace; dir: string; cleanup: () => void } {
  const t = tempDir();
  const ws = initWorkspace(t.dir);
  writeFiles(t.dir, files);
  return { ws, dir: t.dir, cleanup: t.cleanup };
}

/** The small real data kept in the repository for the tests (test/fixtures; sources and licences in its README). */
export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
