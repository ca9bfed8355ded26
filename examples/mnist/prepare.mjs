#!/usr/bin/env node
// The `prepare` stage of the MNIST pipeline: splits the versioned IDX files into a training and a test set.
// Plain Node (no dependencies) so the stage runs anywhere the pipeline does.
//
//   node prepare.mjs SRC_DIR OUT_DIR --train 8000 --test 2000
//
// With train-* and t10k-* files (the full download, or the generated digits), training rows come from train-* and
// test rows from t10k-*. With only the t10k-* files (../shared/data/mnist), the first N t10k images train and the
// last M test, so the two never overlap. Writes OUT_DIR/train/ and OUT_DIR/test/, each an IDX images + labels pair.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

function fail(msg) {
  process.stderr.write(`prepare: ${msg}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const positional = [];
const opts = { train: 8000, test: 2000 };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--train' || a === '--test') {
    const v = Number(args[++i]);
    if (!Number.isInteger(v) || v <= 0) fail(`${a} needs a positive integer`);
    opts[a.slice(2)] = v;
  } else positional.push(a);
}
const [src, out] = positional;
if (!src || !out) fail('usage: node prepare.mjs SRC_DIR OUT_DIR [--train N] [--test M]');
if (!existsSync(src)) fail(`${src} does not exist; add the data first (slipway data add data/mnist --name mnist)`);

/** Finds `<prefix>-<kind>-idxN-ubyte[.gz]` in src. */
function find(prefix, kind) {
  const base = `${prefix}-${kind}-idx${kind === 'images' ? 3 : 1}-ubyte`;
  const names = readdirSync(src);
  const hit = [base, `${base}.gz`].find((n) => names.includes(n));
  return hit ? join(src, hit) : undefined;
}

/** Reads an IDX file (raw or gzip) into { shape, header, body } (uint8 data only, as MNIST is). */
function readIdx(path) {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  if (buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08) fail(`${path} is not a uint8 IDX file`);
  const dims = buf[3];
  const shape = [];
  for (let d = 0; d < dims; d++) shape.push(buf.readUInt32BE(4 + 4 * d));
  const body = buf.subarray(4 + 4 * dims);
  const rowBytes = shape.slice(1).reduce((a, b) => a * b, 1);
  if (body.length !== shape[0] * rowBytes) fail(`${path}: header says ${shape.join('×')} but holds ${body.length} bytes`);
  return { shape, body, rowBytes };
}

/** Rows [from, to) of an IDX array, encoded as IDX bytes. */
function slice(arr, from, to) {
  const shape = [to - from, ...arr.shape.slice(1)];
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = 0x08;
  header[3] = shape.length;
  shape.forEach((s, i) => header.writeUInt32BE(s, 4 + 4 * i));
  return Buffer.concat([header, arr.body.subarray(from * arr.rowBytes, to * arr.rowBytes)]);
}

function write(dir, prefix, images, labels) {
  mkdirSync(dir, { recursive: true });
  for (const [kind, bytes] of [
    ['images-idx3-ubyte', images],
    ['labels-idx1-ubyte', labels],
  ]) {
    const file = join(dir, `${prefix}-${kind}`);
    writeFileSync(`${file}.tmp`, bytes);
    renameSync(`${file}.tmp`, file);
  }
}

const t10k = { images: find('t10k', 'images'), labels: find('t10k', 'labels') };
const train = { images: find('train', 'images'), labels: find('train', 'labels') };
if (!t10k.images || !t10k.labels) fail(`${src} has no t10k-images-idx3-ubyte[.gz] + t10k-labels-idx1-ubyte[.gz]`);
const testImages = readIdx(t10k.images);
const testLabels = readIdx(t10k.labels);
if (testImages.shape[0] !== testLabels.shape[0]) fail(`t10k: ${testImages.shape[0]} images but ${testLabels.shape[0]} labels`);

let trainSplit;
let testSplit;
let how;
if (train.images && train.labels) {
  const ti = readIdx(train.images);
  const tl = readIdx(train.labels);
  const n = Math.min(opts.train, ti.shape[0]);
  const m = Math.min(opts.test, testImages.shape[0]);
  trainSplit = [slice(ti, 0, n), slice(tl, 0, n)];
  testSplit = [slice(testImages, 0, m), slice(testLabels, 0, m)];
  how = `train: first ${n} of train-* ; test: first ${m} of t10k-*`;
} else {
  const total = testImages.shape[0];
  const m = Math.min(opts.test, Math.floor(total / 2));
  const n = Math.min(opts.train, total - m);
  trainSplit = [slice(testImages, 0, n), slice(testLabels, 0, n)];
  testSplit = [slice(testImages, total - m, total), slice(testLabels, total - m, total)];
  how = `only t10k-* present: train = first ${n}, test = last ${m} of ${total}`;
}
write(join(out, 'train'), 'train', ...trainSplit);
write(join(out, 'test'), 't10k', ...testSplit);
process.stdout.write(`prepare: ${how} → ${out}/train, ${out}/test\n`);
