import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadMnist, writeDigitsIdx } from '../../src/data/datasets/index.js';

/** Where the demo's MNIST came from. */
export type MnistSource = 'dir' | 'cache' | 'download' | 'synthetic';

const IDX_NAME = /^(train|t10k)-(images-idx3|labels-idx1)-ubyte(\.gz)?$/;

/**
 * Puts MNIST IDX files into `dest`: from `dataDir` when given; else the download cache or a download (bounded by
 * `downloadTimeoutMs`); else, announced by `say`, generated digits (`writeDigitsIdx`) so the pipeline still runs
 * offline on real pixels with a meaningful accuracy.
 */
export async function provideMnist(opts: {
  dataDir?: string;
  dest: string;
  offline?: boolean;
  downloadTimeoutMs?: number;
  say: (line: string) => void;
  warn: (line: string) => void;
}): Promise<{ source: MnistSource; from: string }> {
  mkdirSync(opts.dest, { recursive: true });
  if (opts.dataDir !== undefined) {
    const dir = resolve(opts.dataDir);
    const d = await loadMnist({ dir }); // validates the files (PATH_NOT_FOUND names what is missing)
    copyIdx(dir, opts.dest);
    opts.say(`MNIST from ${dir} (${d.train ? 'train + t10k' : 't10k only'})`);
    return { source: 'dir', from: dir };
  }
  if (!opts.offline) {
    const limit = opts.downloadTimeoutMs ?? 60_000;
    try {
      const d = await loadMnist({ fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(limit) }) });
      copyIdx(d.dir, opts.dest);
      opts.say(`MNIST from the ${d.source === 'cache' ? 'download cache' : 'canonical mirrors (now cached)'}: ${d.dir}`);
      return { source: d.source === 'cache' ? 'cache' : 'download', from: d.dir };
    } catch (e) {
      const why = (e as Error).message.split('\n')[0]!;
      opts.warn(`MNIST could not be downloaded: ${why.length > 200 ? `${why.slice(0, 200)}…` : why}`);
    }
  }
  opts.warn(
    'OFFLINE FALLBACK: using generated handwritten-style digits (10 glyph sets with jitter and noise), written as MNIST IDX files. ' +
      'The pipeline, gates and server are the real ones; the accuracy is on these digits, not MNIST. Pass --data DIR for real MNIST.',
  );
  writeDigitsIdx(opts.dest, { trainCount: 8000, testCount: 2000, seed: 7 });
  return { source: 'synthetic', from: 'generated digits, the offline fallback — not MNIST' };
}

function copyIdx(from: string, dest: string): void {
  for (const name of readdirSync(from))
    if (IDX_NAME.test(name) && statSync(join(from, name)).isFile()) copyFileSync(join(from, name), join(dest, name));
}

/** Finds breast_cancer.csv: `dataDir` (a folder holding it, or the file), else ../shared/data/tabular of this checkout. */
export function findBreastCancerCsv(dataDir: string | undefined, repoRoot: string): string {
  const candidates = dataDir
    ? [resolve(dataDir), join(resolve(dataDir), 'breast_cancer.csv'), join(resolve(dataDir), 'tabular', 'breast_cancer.csv')]
    : [join(repoRoot, '..', 'shared', 'data', 'tabular', 'breast_cancer.csv')];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile() && basename(c).endsWith('.csv'));
  if (!hit)
    throw new Error(
      `breast_cancer.csv not found (looked at ${candidates.join(', ')}); pass --data DIR with the scikit-learn CSV (sklearn/datasets/data/breast_cancer.csv)`,
    );
  return hit;
}
