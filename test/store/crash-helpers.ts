import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TSX_IMPORT } from '../helpers/cli.js';
import { createRng } from '../../src/engine/random.js';

const WORKER = join(import.meta.dirname, '..', 'helpers', 'crash-worker.ts');

/** How a worker run ended and what it acknowledged before. */
export interface WorkerRun {
  killed: boolean;
  acks: string[];
  ms: number;
}

/**
 * Runs the crash worker on `job` and SIGKILLs it `killAfterMs` after it reports ready (undefined: let it finish).
 * Resolves with the acknowledgements it printed before it died.
 */
export function runWorker(job: Record<string, unknown>, killAfterMs?: number): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_IMPORT, WORKER, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let started = 0;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (!started && out.includes('ready\n')) {
        started = Date.now();
        if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      const acks = out
        .split('\n')
        .filter((l) => l.startsWith('ack '))
        .map((l) => l.slice(4));
      if (signal !== 'SIGKILL' && code !== 0) return reject(new Error(`worker failed (${code}): ${err}`));
      resolve({ killed: signal === 'SIGKILL', acks, ms: started ? Date.now() - started : 0 });
    });
  });
}

/** Kill delays spread over [0, span] ms, seeded so a failure can be replayed. */
export function killPoints(n: number, span: number, seed = 15): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Math.floor(rng.next() * span));
}

/** Tries per operation (SLIPWAY_CRASH_TRIES overrides; CI keeps the default). */
export const TRIES = Number(process.env.SLIPWAY_CRASH_TRIES ?? 20);
