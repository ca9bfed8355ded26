import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadSettings } from '../../src/config/settings.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { POD_ENV, POD_EXIT_CONTRACT, runPodStage } from '../../src/pipeline/index.js';
import { TSX_IMPORT } from './cli.js';
import type { Kubelet } from './fake-kube-api.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

/**
 * Kubelets for the fake API server: each pod gets an empty folder (its emptyDir workspace) and a termination-log
 * file (its terminationMessagePath), and runs what the image would run, `slipway stage exec`: in this process
 * (`inProcess`, fast; S3 settings read from the env as the CLI does) or as the real CLI in a child process (`cli`), with only the container's env plus PATH.
 */
export function fakeKubelet(mode: 'inProcess' | 'cli' = 'inProcess'): Kubelet {
  return async (pod, io) => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-pod-'));
    const workdir = join(dir, 'workspace');
    const term = join(dir, 'termination-log');
    const env = { PATH: process.env.PATH ?? '', HOME: dir, ...pod.env, [POD_ENV.terminationLog]: term };
    try {
      let exitCode: number;
      if (mode === 'inProcess') {
        mkdirSync(workdir, { recursive: true });
        try {
          exitCode = (await runPodStage({ env, workdir, s3: loadSettings(env, false).s3, onLine: io.log, signal: io.signal })).exitCode;
        } catch (e) {
          io.log(`error: ${(e as Error).message}`);
          exitCode = isSlipwayError(e, 'CONFIG_INVALID') ? POD_EXIT_CONTRACT : 2;
        }
      } else {
        mkdirSync(workdir, { recursive: true });
        const child = spawn(process.execPath, ['--import', TSX_IMPORT, MAIN, ...pod.command.slice(1)], {
          cwd: workdir,
          env: { ...env, NO_COLOR: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const onAbort = (): void => void child.kill('SIGKILL');
        io.signal.addEventListener('abort', onAbort, { once: true });
        createInterface({ input: child.stdout }).on('line', io.log);
        createInterface({ input: child.stderr }).on('line', io.log);
        exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 137)));
        io.signal.removeEventListener('abort', onAbort);
      }
      return { exitCode, ...(existsSync(term) ? { message: readFileSync(term, 'utf8') } : {}) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
