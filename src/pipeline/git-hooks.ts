import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { writeFileAtomic } from '../store/index.js';

const BEGIN = '# >>> slipway post-commit >>>';
const END = '# <<< slipway post-commit <<<';

const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Where git looks for hooks in the repository containing `root` (respects core.hooksPath and worktrees). */
export function gitHooksDir(root: string): string {
  const r = spawnSync('git', ['rev-parse', '--git-path', 'hooks'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new SlipwayError('USAGE', `${root} is not inside a git repository; run \`git init\` first`, { root });
  const p = r.stdout.trim();
  return isAbsolute(p) ? p : join(root, p);
}

/**
 * Adds (or refreshes) a block in `post-commit` that runs `command repro` in the background from the workspace root,
 * logging to `.slipway/logs/hook-<time>.log`. Other content of an existing hook is kept. Returns the hook and log folder.
 */
export function installPostCommitHook(root: string, stateDir: string, command: readonly string[]): { hook: string; logDir: string } {
  const hook = join(gitHooksDir(root), 'post-commit');
  const logDir = join(stateDir, 'logs');
  const block = [
    BEGIN,
    '# Reproduces the Slipway pipeline after each commit, in the background (installed by `slipway hooks install`).',
    `( cd ${sq(root)} && mkdir -p ${sq(logDir)} && log=${sq(logDir)}/hook-$(date +%Y%m%dT%H%M%S)-$$.log && ` +
      `nohup ${command.map(sq).join(' ')} repro --wait 3600 > "$log" 2>&1 < /dev/null & ) >/dev/null 2>&1`,
    END,
  ].join('\n');
  const existing = existsSync(hook) ? readFileSync(hook, 'utf8') : '#!/bin/sh\n';
  const cleaned = removeBlock(existing);
  const text = `${cleaned.trimEnd()}\n${block}\n`;
  mkdirSync(dirname(hook), { recursive: true });
  writeFileAtomic(hook, text.startsWith('#!') ? text : `#!/bin/sh\n${text}`);
  chmodSync(hook, 0o755);
  return { hook, logDir };
}

/** Removes Slipway's block from the post-commit hook; returns whether there was one. */
export function uninstallPostCommitHook(root: string): boolean {
  const hook = join(gitHooksDir(root), 'post-commit');
  if (!existsSync(hook)) return false;
  const text = readFileSync(hook, 'utf8');
  if (!text.includes(BEGIN)) return false;
  writeFileAtomic(hook, removeBlock(text));
  chmodSync(hook, 0o755);
  return true;
}

function removeBlock(text: string): string {
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < 0) return text;
  return text.slice(0, a) + text.slice(b + END.length).replace(/^\n/, '');
}
