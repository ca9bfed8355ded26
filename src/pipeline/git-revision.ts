import { spawnSync } from 'node:child_process';

/** True when `rev` names a commit in the git repository containing `cwd`. */
export function isGitRevision(cwd: string, rev: string): boolean {
  if (rev.startsWith('-')) return false;
  const r = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd, encoding: 'utf8' });
  return r.status === 0;
}

/** The text of `path` (relative to `cwd`) at git revision `rev`, or `undefined` when it did not exist there. */
export function readAtRevision(cwd: string, rev: string, path: string): string | undefined {
  const r = spawnSync('git', ['show', `${rev}:./${path}`], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  return r.status === 0 ? r.stdout : undefined;
}

/** The current branch's default base for CI: the first configured env name that is set, else `main`. */
export function ciBaseBranch(env: NodeJS.ProcessEnv): string | undefined {
  return env.GITHUB_BASE_REF || env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME || undefined;
}
