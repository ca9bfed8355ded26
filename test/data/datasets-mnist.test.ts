import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist, MNIST_FILES } from '../../src/data/datasets/mnist.js';
import { writeDigitsIdx } from '../../src/data/datasets/synthetic-digits.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { FIXTURES, tempDir } from '../helpers/temp-workspace.js';

const MNIST = join(FIXTURES, 'mnist');

/** A fetch that always fails the way Node's does without a network. */
const offlineFetch = (async () => {
  throw new TypeError('fetch failed (getaddrinfo ENOTFOUND)');
}) as typeof fetch;

test('dir: reads the real t10k files (.gz) into NHWC floats in [0, 1]', async () => {
  const m = await loadMnist({ dir: MNIST, fetch: offlineFetch });
  assert.equal(m.source, 'dir');
  assert.equal(m.train, undefined);
  assert.equal(m.test.count, 10000);
  assert.deepEqual(m.test.imageShape, [28, 28, 1]);
  assert.equal(m.test.images.length, 10000 * 784);
  assert.deepEqual([...m.test.labels.slice(0, 5)], [7, 2, 1, 0, 4]);
  let min = Infinity;
  let max = -Infinity;
  for (const v of m.test.images.subarray(0, 784 * 10)) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
});

test('dir: reads raw train-* and t10k-* written by writeDigitsIdx', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeDigitsIdx(dir, { trainCount: 30, testCount: 20, seed: 3 });
    const m = await loadMnist({ dir });
    assert.equal(m.train?.count, 30);
    assert.equal(m.test.count, 20);
    assert.equal(m.train?.images.length, 30 * 784);
  } finally {
    cleanup();
  }
});

test('dir without IDX files, or with only train files, fails with PATH_NOT_FOUND', async () => {
  const { dir, cleanup } = tempDir({ 'empty/readme.txt': 'x' });
  try {
    await assert.rejects(loadMnist({ dir: join(dir, 'empty') }), (e) => isSlipwayError(e, 'PATH_NOT_FOUND'));
    writeDigitsIdx(join(dir, 'only-train'), { trainCount: 10, testCount: 10, seed: 1 });
    for (const f of readdirSync(join(dir, 'only-train'))) if (f.startsWith('t10k')) rmSync(join(dir, 'only-train', f));
    await assert.rejects(loadMnist({ dir: join(dir, 'only-train') }), (e) => isSlipwayError(e, 'PATH_NOT_FOUND'));
  } finally {
    cleanup();
  }
});

test('mismatched image and label counts fail with DATA_FORMAT_INVALID', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeDigitsIdx(join(dir, 'a'), { trainCount: 10, testCount: 12, seed: 1 });
    copyFileSync(join(dir, 'a', 'train-labels-idx1-ubyte'), join(dir, 'a', 't10k-labels-idx1-ubyte'));
    await assert.rejects(loadMnist({ dir: join(dir, 'a') }), (e) => isSlipwayError(e, 'DATA_FORMAT_INVALID'));
  } finally {
    cleanup();
  }
});

test('offline: no cache and a failing fetch throw OFFLINE and leave no cache files', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let calls = 0;
    const fetchFn = (async (...args: Parameters<typeof fetch>) => {
      calls++;
      return offlineFetch(...args);
    }) as typeof fetch;
    await assert.rejects(loadMnist({ cacheDir: dir, fetch: fetchFn }), (e) => isSlipwayError(e, 'OFFLINE'));
    assert.ok(calls >= 3, 'every mirror was tried');
    assert.ok(!existsSync(join(dir, 'mnist')) || readdirSync(join(dir, 'mnist')).length === 0);
    calls = 0;
    await assert.rejects(loadMnist({ cacheDir: dir, offline: true, fetch: fetchFn }), (e) => isSlipwayError(e, 'OFFLINE'));
    assert.equal(calls, 0, 'offline mode never touches the network');
  } finally {
    cleanup();
  }
});

test('download: verifies md5, writes the cache, then reads from the cache', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const urls: string[] = [];
    // A mirror that serves the fixture t10k files; the first mirror is down.
    const fetchFn = (async (input: string | URL | Request) => {
      const url = String(input);
      urls.push(url);
      if (url.startsWith('https://down.example/')) throw new TypeError('fetch failed');
      const name = url.slice(url.lastIndexOf('/') + 1);
      return new Response(readFileSync(join(MNIST, name)));
    }) as typeof fetch;
    const mirrors = ['https://down.example/', 'https://mirror.example/mnist/'];
    const m = await loadMnist({ cacheDir: dir, splits: ['test'], fetch: fetchFn, mirrors });
    assert.equal(m.source, 'download');
    assert.equal(m.test.count, 10000);
    assert.ok(urls.includes(`https://mirror.example/mnist/${MNIST_FILES.test.images.file}`));
    assert.deepEqual(readdirSync(join(dir, 'mnist')).sort(), [MNIST_FILES.test.images.file, MNIST_FILES.test.labels.file].sort());
    const again = await loadMnist({ cacheDir: dir, splits: ['test'], fetch: offlineFetch, offline: true });
    assert.equal(again.source, 'cache');
    assert.deepEqual([...again.test.labels.slice(0, 5)], [7, 2, 1, 0, 4]);
  } finally {
    cleanup();
  }
});

test('download: a corrupted file (wrong md5) on every mirror is refused and not cached', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fetchFn = (async () => new Response(new Uint8Array([1, 2, 3]))) as unknown as typeof fetch;
    await assert.rejects(loadMnist({ cacheDir: dir, splits: ['test'], fetch: fetchFn, mirrors: ['https://a.example/'] }), (e) =>
      isSlipwayError(e, 'DATA_FORMAT_INVALID'),
    );
    assert.ok(!existsSync(join(dir, 'mnist', MNIST_FILES.test.images.file)));
    const notFound = (async () => new Response('nope', { status: 404 })) as unknown as typeof fetch;
    await assert.rejects(loadMnist({ cacheDir: dir, splits: ['test'], fetch: notFound, mirrors: ['https://a.example/'] }), (e) =>
      isSlipwayError(e, 'DATA_FORMAT_INVALID'),
    );
  } finally {
    cleanup();
  }
});

test('cache: a pre-filled cache is used without fetching', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const cache = join(dir, 'mnist');
    mkdirSync(cache);
    for (const f of readdirSync(MNIST)) copyFileSync(join(MNIST, f), join(cache, f));
    const m = await loadMnist({ cacheDir: dir, splits: ['test'], fetch: offlineFetch });
    assert.equal(m.source, 'cache');
    assert.equal(m.dir, cache);
  } finally {
    cleanup();
  }
});
