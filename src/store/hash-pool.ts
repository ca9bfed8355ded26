import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { SlipwayError } from '../errors/index.js';
import { sha256File } from './hash.js';

/** The hash and size of one file. */
export interface FileDigest {
  hash: string;
  size: number;
}

/** Options for hashing many files. */
export interface HashFilesOptions {
  /** Worker threads to use; 0 hashes on the main thread with concurrent reads. Default: one per core when the job is big. */
  workers?: number;
  /** Called after each file with the count done and the bytes hashed so far. */
  onProgress?: (done: number, bytes: number) => void;
}

// The worker is plain JavaScript evaluated from a string so it runs the same from src/ (tsx) and dist/.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync, fstatSync } = require('node:fs');
const buf = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', (batch) => {
  const out = [];
  for (const path of batch) {
    try {
      const fd = openSync(path, 'r');
      try {
        const h = createHash('sha256');
        let size = 0;
        for (;;) {
          const n = readSync(fd, buf, 0, buf.length, null);
          if (n === 0) break;
          h.update(n === buf.length ? buf : buf.subarray(0, n));
          size += n;
        }
        out.push({ hash: h.digest('hex'), size });
      } finally { closeSync(fd); }
    } catch (e) {
      out.push({ error: String(e && e.message || e) });
    }
  }
  parentPort.postMessage(out);
});
`;

type WorkerResult = FileDigest | { error: string };

const BIG_FILE = 64 * 1024 * 1024;

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Hashes files on the main thread with bounded concurrent reads (good for few or small jobs). */
async function hashConcurrent(paths: readonly string[], onProgress?: (done: number, bytes: number) => void): Promise<FileDigest[]> {
  const out: FileDigest[] = new Array(paths.length);
  let next = 0;
  let done = 0;
  let bytes = 0;
  const lane = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      out[i] = await sha256File(paths[i]!);
      done++;
      bytes += out[i]!.size;
      onProgress?.(done, bytes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, paths.length) }, lane));
  return out;
}

/** Hashes files across worker threads, handing out small batches so big and small files balance across cores. */
async function hashInWorkers(
  paths: readonly string[],
  nWorkers: number,
  onProgress?: (done: number, bytes: number) => void,
): Promise<FileDigest[]> {
  const out: FileDigest[] = new Array(paths.length);
  const batchSize = Math.max(1, Math.min(64, Math.ceil(paths.length / (nWorkers * 8))));
  let next = 0;
  let done = 0;
  let bytes = 0;
  const workers = Array.from({ length: nWorkers }, () => new Worker(WORKER_SOURCE, { eval: true }));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            let start = 0;
            const send = (): void => {
              if (next >= paths.length) return resolve();
              start = next;
              const batch = paths.slice(next, next + batchSize);
              next += batch.length;
              w.postMessage(batch);
            };
            w.on('message', (res: WorkerResult[]) => {
              for (let k = 0; k < res.length; k++) {
                const r = res[k]!;
                if ('error' in r)
                  return reject(
                    new SlipwayError('PATH_NOT_FOUND', `cannot read ${paths[start + k]}: ${r.error}; was it removed while being added?`, {
                      path: paths[start + k],
                    }),
                  );
                out[start + k] = r;
                bytes += r.size;
              }
              done += res.length;
              onProgress?.(done, bytes);
              send();
            });
            w.on('error', reject);
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}

/** Hashes many files in parallel (worker threads on all cores for big jobs); results are in input order. */
export async function hashFiles(paths: readonly string[], opts: HashFilesOptions = {}): Promise<FileDigest[]> {
  if (paths.length === 0) return [];
  const cores = availableParallelism();
  // Workers pay off for many files, and for big files too: their synchronous 1 MiB read loop hashes ~10% faster
  // than async reads (bench/hash.ts) and keeps the main thread free.
  const big = paths.length < 64 && paths.some((p) => fileSize(p) >= BIG_FILE);
  const nWorkers = opts.workers ?? ((paths.length >= 64 && cores > 1) || big ? cores : 0);
  if (nWorkers <= 0) return hashConcurrent(paths, opts.onProgress);
  return hashInWorkers(paths, Math.min(nWorkers, paths.length), opts.onProgress);
}
