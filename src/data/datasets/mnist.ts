import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings } from '../../config/index.js';
import { SlipwayError } from '../../errors/index.js';
import { writeFileAtomic } from '../../store/index.js';
import { readIdx, type IdxArray } from '../index.js';

/** One split of an image-classification data set: N × H × W × 1 floats in [0, 1] (NHWC) and N labels. */
export interface ImageSplit {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  /** [height, width, channels] of one image, e.g. [28, 28, 1]. */
  imageShape: [number, number, number];
}

/** What `loadMnist` returns; `train` is absent when only the t10k files exist (e.g. `../shared/data/mnist`). */
export interface MnistData {
  train?: ImageSplit;
  test: ImageSplit;
  source: 'dir' | 'cache' | 'download';
  /** The folder the files were read from. */
  dir: string;
}

/** Options of `loadMnist`. */
export interface LoadMnistOptions {
  /** Read the IDX files (train-*, t10k-*, raw or .gz) from this folder; never touches the network. */
  dir?: string;
  /** Download cache root (files go in `<cacheDir>/mnist`); default: settings.cacheDir (SLIPWAY_CACHE_DIR). */
  cacheDir?: string;
  /** Never download: use the cache or fail with OFFLINE. */
  offline?: boolean;
  /** Which splits to fetch into the cache when downloading (default both). */
  splits?: readonly ('train' | 'test')[];
  /** The fetch to download with (injectable for tests and proxies); default: global fetch. */
  fetch?: typeof fetch;
  /** Mirrors tried in order, each a base URL ending in '/'. */
  mirrors?: readonly string[];
}

/** Mirrors of the canonical files (LeCun's site is often down; the others are the ones torchvision uses). */
export const MNIST_MIRRORS: readonly string[] = [
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
  'http://yann.lecun.com/exdb/mnist/',
];

/** The canonical files and their md5 (as published with torchvision; the t10k ones match ../shared/data). */
export const MNIST_FILES = {
  train: {
    images: { file: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
    labels: { file: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
  },
  test: {
    images: { file: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
    labels: { file: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
  },
} as const;

const PREFIX = { train: 'train', test: 't10k' } as const;

/**
 * Loads MNIST: from `dir` when given; else from the download cache; else downloads the canonical files
 * (checksummed, written atomically into the cache). Without a network it throws OFFLINE saying how to point
 * it at local files.
 */
export async function loadMnist(opts: LoadMnistOptions = {}): Promise<MnistData> {
  if (opts.dir !== undefined) {
    const found = findSplitFiles(opts.dir);
    if (!found.test && !found.train) {
      throw new SlipwayError(
        'PATH_NOT_FOUND',
        `${opts.dir} has no MNIST IDX files; expected t10k-images-idx3-ubyte[.gz] + t10k-labels-idx1-ubyte[.gz] and/or the train-* pair`,
        { path: opts.dir },
      );
    }
    if (!found.test) {
      throw new SlipwayError('PATH_NOT_FOUND', `${opts.dir} has train-* files but no t10k-* test files; add t10k-images/labels`, {
        path: opts.dir,
      });
    }
    return readSplits(opts.dir, found, 'dir');
  }
  const cache = join(opts.cacheDir ?? loadSettings().cacheDir, 'mnist');
  const splits = opts.splits ?? ['train', 'test'];
  const cached = findSplitFiles(cache);
  if (splits.every((s) => cached[s])) return readSplits(cache, cached, 'cache');
  if (opts.offline) throw offlineError(cache, 'offline mode is on');
  await download(cache, splits, opts.fetch ?? globalThis.fetch, opts.mirrors ?? MNIST_MIRRORS);
  return readSplits(cache, findSplitFiles(cache), 'download');
}

type SplitFiles = { images: string; labels: string };

function findSplitFiles(dir: string): { train?: SplitFiles; test?: SplitFiles } {
  if (!existsSync(dir)) return {};
  const names = readdirSync(dir);
  const pick = (prefix: string, kind: 'images' | 'labels'): string | undefined => {
    const base = `${prefix}-${kind}-idx${kind === 'images' ? 3 : 1}-ubyte`;
    const alt = `${prefix}-${kind}.idx${kind === 'images' ? 3 : 1}-ubyte`;
    const hit = [base, `${base}.gz`, alt, `${alt}.gz`].find((n) => names.includes(n));
    return hit ? join(dir, hit) : undefined;
  };
  const out: { train?: SplitFiles; test?: SplitFiles } = {};
  for (const split of ['train', 'test'] as const) {
    const images = pick(PREFIX[split], 'images');
    const labels = pick(PREFIX[split], 'labels');
    if (images && labels) out[split] = { images, labels };
  }
  return out;
}

async function readSplits(dir: string, found: { train?: SplitFiles; test?: SplitFiles }, source: MnistData['source']): Promise<MnistData> {
  const test = await readSplit(found.test!);
  const train = found.train ? await readSplit(found.train) : undefined;
  return train ? { train, test, source, dir } : { test, source, dir };
}

/** Reads an IDX images + labels pair into floats in [0, 1] and int labels, validating shapes and values. */
export async function readSplit(files: SplitFiles): Promise<ImageSplit> {
  const [images, labels] = await Promise.all([readIdx(files.images), readIdx(files.labels)]);
  return toImageSplit(images, labels, files.images);
}

/** Converts decoded IDX images ([N, H, W] or [N, H, W, 1] uint8) and labels ([N]) to an `ImageSplit`. */
export function toImageSplit(images: IdxArray, labels: IdxArray, source: string): ImageSplit {
  const [n, h, w, c = 1] = images.shape;
  if (images.dtype !== 'uint8' || n === undefined || h === undefined || w === undefined || c !== 1 || images.shape.length > 4) {
    throw new SlipwayError(
      'DATA_FORMAT_INVALID',
      `${source}: expected uint8 images of shape [N, H, W], got ${images.dtype} [${images.shape}]`,
      {
        source,
      },
    );
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== n) {
    throw new SlipwayError(
      'DATA_FORMAT_INVALID',
      `${source}: ${n} images but labels have shape [${labels.shape}]; use the matching labels file`,
      {
        source,
      },
    );
  }
  if (n === 0) throw new SlipwayError('DATA_EMPTY', `${source} holds no images`, { source });
  const out = new Float32Array(images.data.length);
  for (let i = 0; i < out.length; i++) out[i] = images.data[i]! / 255;
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels.data[i]!;
    if (!Number.isInteger(v) || v < 0) {
      throw new SlipwayError('DATA_FORMAT_INVALID', `${source}: label ${i} is ${v}; labels must be non-negative class indices`, { source });
    }
    lab[i] = v;
  }
  return { images: out, labels: lab, count: n, imageShape: [h, w, 1] };
}

async function download(
  cache: string,
  splits: readonly ('train' | 'test')[],
  fetchFn: typeof fetch,
  mirrors: readonly string[],
): Promise<void> {
  const wanted = splits.flatMap((s) => [MNIST_FILES[s].images, MNIST_FILES[s].labels]);
  const fetched: { file: string; bytes: Uint8Array }[] = [];
  const failures: string[] = [];
  let reachedServer = false;
  for (const { file, md5 } of wanted) {
    let bytes: Uint8Array | undefined;
    for (const mirror of mirrors) {
      const url = `${mirror}${file}`;
      try {
        const res = await fetchFn(url, { signal: AbortSignal.timeout(120_000) });
        reachedServer = true;
        if (!res.ok) {
          failures.push(`${url}: HTTP ${res.status}`);
          continue;
        }
        const body = new Uint8Array(await res.arrayBuffer());
        const got = createHash('md5').update(body).digest('hex');
        if (got !== md5) {
          failures.push(`${url}: md5 ${got}, expected ${md5}`);
          continue;
        }
        bytes = body;
        break;
      } catch (e) {
        failures.push(`${url}: ${(e as Error).message}`);
      }
    }
    if (!bytes) {
      if (!reachedServer) throw offlineError(cache, `no mirror could be reached (${failures.join('; ')})`);
      throw new SlipwayError(
        'DATA_FORMAT_INVALID',
        `could not download a valid ${file}: ${failures.join('; ')}; download it by hand into ${cache} or pass { dir } / --data DIR`,
        { file, failures },
      );
    }
    fetched.push({ file, bytes });
  }
  // Only after every file arrived intact: a failed download never leaves a half-filled cache behind.
  mkdirSync(cache, { recursive: true });
  for (const { file, bytes } of fetched) writeFileAtomic(join(cache, file), bytes);
}

function offlineError(cache: string, why: string): SlipwayError {
  return new SlipwayError(
    'OFFLINE',
    `MNIST is not in the cache (${cache}) and cannot be downloaded: ${why}. Point Slipway at local IDX files instead: ` +
      'loadMnist({ dir }) in code or --data DIR on the command line, with DIR holding t10k-images-idx3-ubyte[.gz] and ' +
      't10k-labels-idx1-ubyte[.gz] (and the train-* pair), or copy the four files into the cache folder',
    { cache },
  );
}
