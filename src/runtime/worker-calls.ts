import { Worker } from 'node:worker_threads';
import { SlipwayError } from '../errors/index.js';
import { pendingCalls } from './pending-calls.js';

/** Request/reply calls into one prediction worker thread. */
export interface WorkerCalls<R> {
  /** Calls waiting for their reply (for least-busy routing). */
  readonly busy: number;
  /** Gives `message` (a fresh object) its `id` and posts it; resolves with the reply's result, rejects on its error or the worker's end. */
  call(message: { id?: number; [field: string]: unknown }): Promise<R>;
  close(): Promise<void>;
}

/** What a worker answers a call with: the call's id, and an error or the result's fields. */
export interface WorkerReply {
  readonly id: number;
  readonly error?: string;
}

/**
 * The worker script `name` beside this file: name.js from dist. Under tsx (this file is .ts) Node 20 does not apply
 * tsx's loader to a worker's .ts entry even though execArgv carries `--import tsx`, so a data: URL bootstrap registers
 * tsx's ESM hooks in the worker first and then imports the .ts file.
 */
function workerEntry(name: string): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL(`./${name}.js`, import.meta.url);
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/**
 * Starts worker script `name` (it posts `{ ready: true }` once loaded, or `{ ready: false, error }`) and waits for it.
 * `result` turns a reply into the call's result (undefined: the reply had no output). The worker is referenced only
 * while calls are pending, so an idle model never keeps the process alive; when it errs or exits, every pending and
 * later call fails with SERVABLE_NOT_READY (`label` names it in messages).
 */
export async function startWorkerCalls<M extends WorkerReply, R>(
  name: string,
  label: string,
  workerData: unknown,
  result: (reply: M) => R | undefined,
): Promise<WorkerCalls<R>> {
  const worker = new Worker(workerEntry(name), { workerData });
  await new Promise<void>((resolve, reject) => {
    const onMsg = (m: { ready?: boolean; error?: string }): void => {
      worker.off('message', onMsg);
      if (m.ready) resolve();
      else reject(new Error(m.error ?? `${label} worker failed to start`));
    };
    worker.on('message', onMsg);
    worker.once('error', reject);
  }).catch(async (e: unknown) => {
    await worker.terminate();
    throw e;
  });
  const pending = pendingCalls<R>();
  let failure: Error | null = null;
  worker.on('message', (m: M) => {
    const p = pending.take(m.id);
    if (!p) return;
    if (pending.size === 0) worker.unref();
    const r = m.error === undefined ? result(m) : undefined;
    if (r === undefined) p.reject(new SlipwayError('INPUT_INVALID', `prediction failed: ${m.error ?? 'no output'}`));
    else p.resolve(r);
  });
  const failAll = (e: Error): void => {
    failure = e;
    for (const p of pending.drain()) p.reject(e);
  };
  worker.on('error', failAll);
  worker.on('exit', () => failAll(new SlipwayError('SERVABLE_NOT_READY', `the ${label} worker exited; reload the model.`)));
  worker.unref();
  return {
    get busy() {
      return pending.size;
    },
    call(message) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        if (pending.size === 0) worker.ref();
        message.id = pending.add({ resolve, reject });
        worker.postMessage(message);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
