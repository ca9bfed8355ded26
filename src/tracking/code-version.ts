import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';

/** The code a run executed: git commit, whether the tree was dirty, and the sha256 of `git diff HEAD`. */
export interface CodeVersion {
  readonly commit: string | null;
  readonly dirty: boolean;
  readonly diffHash: string | null;
}

function git(args: readonly string[], cwd: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' }, (err, stdout) => {
      resolve(err ? null : (stdout as Buffer).toString('utf8'));
    });
  });
}

/** Reads the code version of the folder `dir`; outside a git repository (or without git) it is all null/false. */
export async function codeVersion(dir: string): Promise<CodeVersion> {
  const head = await git(['rev-parse', 'HEAD'], dir);
  if (head === null) return { commit: null, dirty: false, diffHash: null };
  const commit = head.trim() || null;
  // Untracked files count as dirty too (they may be the code that ran), but only the tracked diff is hashed.
  const [status, diff] = await Promise.all([git(['status', '--porcelain', '--untracked-files=normal'], dir), git(['diff', 'HEAD'], dir)]);
  const dirty = (status ?? '').trim() !== '';
  const diffHash = dirty && diff ? createHash('sha256').update(diff).digest('hex') : null;
  return { commit, dirty, diffHash };
}
