import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { SlipwayError } from '../errors/index.js';
import { readCsvTable } from './csv.js';
import { idxHeader, isGzip, readIdx, type IdxArray } from './idx.js';

/** Rows `[start, end)`; either end may be omitted, a negative one counts from the end. */
export interface RowRange {
  start?: number;
  end?: number;
}

/** Samples (and labels, when the data has them) read from a data folder or file, as plain typed arrays. */
export interface DataFolder {
  readonly kind: 'idx' | 'csv';
  /** Rows as fed to a model: row-major float32, multiplied by `scale`. */
  readonly features: Float32Array;
  /** CSV rows as stored, before `scale` (the same array when the scale is 1, and for IDX, which has no named columns). */
  readonly raw: Float32Array;
  readonly rows: number;
  /** Shape of one row as stored: [28, 28] for MNIST images, [columns] for a CSV. */
  readonly rowShape: readonly number[];
  /** Element type of the IDX images (`uint8` for MNIST); null for CSV. */
  readonly idxDtype: IdxArray['dtype'] | null;
  /** The factor applied to `features`. */
  readonly scale: number;
  /** One label (class index or target value) per row; null when the data has none. */
  readonly labels: Float32Array | null;
  /** Class names (index = class id) from a CSV's scikit-learn header or text target column; null otherwise. */
  readonly labelNames: readonly string[] | null;
  /** Feature column names (CSV); null for IDX. */
  readonly columns: readonly string[] | null;
  /** The files read (images first, then labels). */
  readonly files: readonly string[];
  /** What errors and reports call the data: `options.source`, else the path. */
  readonly source: string;
}

/** How to read a data folder. */
export interface LoadDataFolderOptions {
  /** The CSV label column by name or index (default: a column named `target` when there is one). */
  target?: string | number | undefined;
  /** Rows to keep. */
  range?: RowRange | undefined;
  /** Multiplies features (default 1/255 for uint8 IDX images, 1 otherwise). */
  scale?: number | undefined;
  /** Which IDX split wins when a folder holds several: `train` (train-*, then t10k-* or test-*) or `test` (the reverse). */
  prefer?: 'train' | 'test' | undefined;
  /** Names the data in errors and in `source` (e.g. `mnist@2` for a checked-out dataset version). */
  source?: string | undefined;
}

/** Parses `START:END` (either side optional, negative counts from the end) or a count `N` meaning `0:N`. */
export function parseRange(text: string): RowRange {
  const m = /^\s*(-?\d*)\s*:\s*(-?\d*)\s*$/.exec(text);
  if (m) {
    return { ...(m[1] ? { start: Number(m[1]) } : {}), ...(m[2] ? { end: Number(m[2]) } : {}) };
  }
  if (/^\s*\d+\s*$/.test(text)) return { start: 0, end: Number(text) };
  throw new SlipwayError('USAGE', `range ${JSON.stringify(text)} is not START:END (e.g. 0:8000 or 8000:)`, {});
}

/**
 * Loads a data folder or file, with one set of discovery rules for training, evaluation, gates and quantisation:
 *
 * - a file: an IDX file (by its magic bytes, raw or gzip; images without labels), else a CSV;
 * - a folder: its files, subfolders included, dot-files skipped. A file is IDX when its magic bytes say so (raw or
 *   gzip) — 1-dimensional ones are labels, the others images — and CSV when its name ends in `.csv`;
 * - IDX images win over CSV. With several image files, the split named first in `prefer` wins by file-name prefix
 *   (`train` → train-*, then t10k-* / test-*, then any; `test` → t10k-* / test-*, then train-*, then any), then the
 *   shallower, then the first by name. Its labels are the 1-dimensional IDX file beside it with the same prefix
 *   (`train-labels-idx1-ubyte` beside `train-images-idx3-ubyte`); without one the images load unlabelled;
 * - without IDX images, exactly one CSV file: features are every column but the label column (`target`, or
 *   `options.target`); a folder with several CSV files, or with neither, is refused.
 *
 * uint8 pixels are scaled to [0, 1] as Keras' MNIST examples do, unless `scale` says otherwise. Errors:
 * PATH_NOT_FOUND, DATA_FORMAT_INVALID (nothing to load, ambiguous CSV, labels that do not match the images),
 * DATA_EMPTY (an empty row range).
 */
export async function loadDataFolder(path: string, options: LoadDataFolderOptions = {}): Promise<DataFolder> {
  const source = options.source ?? path;
  if (!existsSync(path))
    throw new SlipwayError('PATH_NOT_FOUND', `${path} does not exist; give an IDX folder, a CSV file or a dataset NAME@N`, { path });
  const found = statSync(path).isDirectory() ? discoverFolder(path, options.prefer ?? 'train') : discoverFile(path);
  if (found.kind === 'csv') return loadCsv(found.file, options, source);
  return loadIdx(found.images, found.labels, options, source);
}

type Discovered = { kind: 'csv'; file: string } | { kind: 'idx'; images: string; labels: string | null };

interface IdxFile {
  file: string;
  dims: number;
}

function discoverFile(file: string): Discovered {
  const dims = idxDims(file);
  return dims === null ? { kind: 'csv', file } : { kind: 'idx', images: file, labels: null };
}

function discoverFolder(dir: string, prefer: 'train' | 'test'): Discovered {
  const files = listFiles(dir);
  const csv = files.filter((f) => f.toLowerCase().endsWith('.csv'));
  const idx: IdxFile[] = [];
  for (const file of files) {
    if (file.toLowerCase().endsWith('.csv')) continue;
    const dims = idxDims(file);
    if (dims !== null) idx.push({ file, dims });
  }
  const images = idx.filter((i) => i.dims >= 2);
  if (images.length > 0) return pickIdxPair(dir, images, idx, prefer);
  if (csv.length === 1) return { kind: 'csv', file: csv[0]! };
  if (csv.length > 1)
    throw new SlipwayError(
      'DATA_FORMAT_INVALID',
      `${dir} holds several CSV files (${csv.map((f) => relative(dir, f)).join(', ')}); point at one`,
      { path: dir },
    );
  throw new SlipwayError(
    'DATA_FORMAT_INVALID',
    `${dir} has no IDX image file (e.g. train-images-idx3-ubyte[.gz] or t10k-images-idx3-ubyte.gz) nor a CSV file${idx.length > 0 ? ` (only IDX labels: ${idx.map((i) => relative(dir, i.file)).join(', ')})` : ''}; point at a folder holding one`,
    { path: dir },
  );
}

const SPLITS: Record<'train' | 'test', readonly RegExp[]> = {
  train: [/^train/i, /^(t10k|test)/i],
  test: [/^(t10k|test)/i, /^train/i],
};

/** Index of the split prefix a file name starts with in `prefer`'s order (the length when none). */
function splitRank(file: string, prefer: 'train' | 'test'): number {
  const order = SPLITS[prefer];
  const i = order.findIndex((re) => re.test(basename(file)));
  return i < 0 ? order.length : i;
}

/** The prefix that pairs images with labels: train, t10k/test, or '' for any other name. */
function splitOf(file: string): string {
  const m = /^(train|t10k|test)/i.exec(basename(file));
  return m ? m[1]!.toLowerCase() : '';
}

function pickIdxPair(dir: string, images: IdxFile[], all: IdxFile[], prefer: 'train' | 'test'): Discovered {
  const depth = (f: string): number => relative(dir, f).split(sep).length;
  const ranked = [...images].sort(
    (a, b) => splitRank(a.file, prefer) - splitRank(b.file, prefer) || depth(a.file) - depth(b.file) || (a.file < b.file ? -1 : 1),
  );
  const img = ranked[0]!.file;
  const labels = all.find((l) => l.dims === 1 && dirname(l.file) === dirname(img) && splitOf(l.file) === splitOf(img));
  return { kind: 'idx', images: img, labels: labels?.file ?? null };
}

function clampRange(n: number, range: RowRange | undefined, source: string): [number, number] {
  const fix = (v: number | undefined, dflt: number): number => (v === undefined ? dflt : v < 0 ? n + v : v);
  const s = Math.max(0, fix(range?.start, 0));
  const e = Math.min(n, fix(range?.end, n));
  if (e <= s) throw new SlipwayError('DATA_EMPTY', `the row range ${s}:${e} of ${source} (${n} rows) is empty; pick a range inside it`, {});
  return [s, e];
}

async function loadCsv(file: string, options: LoadDataFolderOptions, source: string): Promise<DataFolder> {
  const t = await readCsvTable(file, options.target !== undefined ? { target: options.target } : {});
  const [s, e] = clampRange(t.rows, options.range, source);
  const f = t.features.length;
  const whole = s === 0 && e === t.rows;
  const raw = whole ? t.x : t.x.slice(s * f, e * f);
  const scale = options.scale ?? 1;
  return {
    kind: 'csv',
    features: scale === 1 ? raw : scaled(raw, 0, raw.length, scale),
    raw,
    rows: e - s,
    rowShape: [f],
    idxDtype: null,
    scale,
    labels: t.y ? (whole ? t.y : t.y.slice(s, e)) : null,
    labelNames: t.classNames ?? null,
    columns: t.features,
    files: [file],
    source,
  };
}

async function loadIdx(images: string, labels: string | null, options: LoadDataFolderOptions, source: string): Promise<DataFolder> {
  const img = await readIdx(images);
  const n = img.shape[0] ?? 0;
  const [s, e] = clampRange(n, options.range, source);
  const rowShape = img.shape.slice(1);
  const row = rowShape.reduce((a, b) => a * b, 1);
  const scale = options.scale ?? (img.dtype === 'uint8' ? 1 / 255 : 1);
  const features = scaled(img.data, s * row, e * row, scale);
  let y: Float32Array | null = null;
  if (labels) {
    const lab = await readIdx(labels);
    if ((lab.shape[0] ?? 0) !== n)
      throw new SlipwayError(
        'DATA_FORMAT_INVALID',
        `${labels} has ${lab.shape[0]} labels but ${images} has ${n} images; use matching files`,
        { path: labels },
      );
    y = scaled(lab.data, s, e, 1);
  }
  return {
    kind: 'idx',
    features,
    raw: features,
    rows: e - s,
    rowShape,
    idxDtype: img.dtype,
    scale,
    labels: y,
    labelNames: null,
    columns: null,
    files: labels ? [images, labels] : [images],
    source,
  };
}

/** Elements [from, to) as float32 times `scale`, in one pass (typed-array .from with a map function is ~30x slower). */
function scaled(src: ArrayLike<number>, from: number, to: number, scale: number): Float32Array {
  const out = new Float32Array(to - from);
  if (scale === 1) for (let i = 0; i < out.length; i++) out[i] = Number(src[from + i]!);
  else for (let i = 0; i < out.length; i++) out[i] = Number(src[from + i]!) * scale;
  return out;
}

/** Regular files under `dir`, subfolders included, dot-files and dot-folders skipped, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(full));
    else if (e.isFile()) out.push(full);
  }
  return out.sort();
}

/** The number of dimensions when `file` is IDX (raw or gzip, by magic bytes), else null; reads only its head. */
function idxDims(file: string): number | null {
  let head = readHead(file, 4096);
  if (isGzip(head)) {
    try {
      // A partial inflate of the first block is enough for the 4 + 4·ndim header bytes.
      head = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      return null;
    }
  }
  return idxHeader(head)?.shape.length ?? null;
}

function readHead(file: string, n: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}
