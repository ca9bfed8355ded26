import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readCsvTable, readIdx, type IdxArray } from '../data/index.js';
import { SlipwayError } from '../errors/index.js';
import type { Tensor } from './tensor.js';

/** Samples and labels read from a data folder or file, ready for fit/evaluate. */
export interface TrainingData {
  x: Tensor;
  /** Class indices [N] (or targets); null when the data has no labels. */
  y: Tensor | null;
  classLabels?: string[];
  kind: 'idx' | 'csv';
  /** The files read. */
  files: string[];
  /** Feature names (CSV). */
  features?: string[];
}

/** Rows `[start, end)`; either end may be omitted. */
export interface RowRange {
  start?: number;
  end?: number;
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

function pickIdx(dir: string): { images: string; labels: string | null } {
  const names = readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile());
  const find = (re: RegExp): string | undefined => names.find((n) => re.test(n));
  for (const prefix of ['train', 't10k', '']) {
    const images = find(new RegExp(`^${prefix}.*images.*idx3`, 'i'));
    if (images) {
      const labels = find(new RegExp(`^${prefix}.*labels.*idx1`, 'i'));
      return { images: join(dir, images), labels: labels ? join(dir, labels) : null };
    }
  }
  throw new SlipwayError(
    'DATA_FORMAT_INVALID',
    `${dir} has no IDX image file (e.g. train-images-idx3-ubyte[.gz] or t10k-images-idx3-ubyte.gz) nor a CSV file; point --data at one`,
    { dir },
  );
}

function clampRange(n: number, range: RowRange | undefined, source: string): [number, number] {
  const fix = (v: number | undefined, dflt: number): number => (v === undefined ? dflt : v < 0 ? n + v : v);
  const s = Math.max(0, fix(range?.start, 0));
  const e = Math.min(n, fix(range?.end, n));
  if (e <= s) throw new SlipwayError('DATA_EMPTY', `the row range ${s}:${e} of ${source} (${n} rows) is empty; pick a range inside it`, {});
  return [s, e];
}

function idxToImages(a: IdxArray, s: number, e: number): Tensor {
  const [, h = 1, w = 1, c = 1] = a.shape;
  const row = h * w * c;
  const out = new Float32Array((e - s) * row);
  // uint8 pixels scale to [0, 1] as Keras' MNIST examples do; other types are taken as they are.
  const scale = a.dtype === 'uint8' ? 1 / 255 : 1;
  const src = a.data;
  for (let i = 0; i < out.length; i++) out[i] = Number(src[s * row + i]!) * scale;
  return { shape: [e - s, h, w, c], data: out };
}

/**
 * Loads DATA for training or evaluation: a folder of IDX files (train-* preferred over t10k-*; pixels scaled to
 * [0, 1], NHWC), a CSV file (features + `target` column), or a folder holding one CSV. `range` slices rows.
 */
export async function loadTrainingData(path: string, opts: { target?: string; range?: RowRange } = {}): Promise<TrainingData> {
  if (!existsSync(path))
    throw new SlipwayError('PATH_NOT_FOUND', `${path} does not exist; give an IDX folder, a CSV file or a dataset NAME@N`, { path });
  let csv: string | undefined;
  if (statSync(path).isDirectory()) {
    const csvs = readdirSync(path).filter((n) => n.toLowerCase().endsWith('.csv'));
    const hasIdx = readdirSync(path).some((n) => /idx\d/i.test(n));
    if (!hasIdx && csvs.length === 1) csv = join(path, csvs[0]!);
    if (!hasIdx && csvs.length > 1) {
      throw new SlipwayError('DATA_FORMAT_INVALID', `${path} holds several CSV files (${csvs.join(', ')}); point --data at one`, { path });
    }
  } else csv = path;
  if (csv) {
    const t = await readCsvTable(csv, opts.target !== undefined ? { target: opts.target } : {});
    const [s, e] = clampRange(t.rows, opts.range, csv);
    const f = t.features.length;
    const out: TrainingData = {
      x: { shape: [e - s, f], data: t.x.slice(s * f, e * f) },
      y: t.y ? { shape: [e - s], data: t.y.slice(s, e) } : null,
      kind: 'csv',
      files: [csv],
      features: t.features,
    };
    if (t.classNames) out.classLabels = t.classNames;
    return out;
  }
  const { images, labels } = pickIdx(path);
  const img = await readIdx(images);
  const n = img.shape[0] ?? 0;
  const [s, e] = clampRange(n, opts.range, images);
  const out: TrainingData = { x: idxToImages(img, s, e), y: null, kind: 'idx', files: [images] };
  if (labels) {
    const lab = await readIdx(labels);
    if ((lab.shape[0] ?? 0) !== n) {
      throw new SlipwayError(
        'SHAPE_MISMATCH',
        `${labels} has ${lab.shape[0]} labels but ${images} has ${n} images; use matching files`,
        {},
      );
    }
    const y = new Float32Array(e - s);
    let max = 0;
    for (let i = s; i < e; i++) {
      const v = Number(lab.data[i]!);
      y[i - s] = v;
      if (v > max) max = v;
    }
    out.y = { shape: [e - s], data: y };
    out.files.push(labels);
    if (max <= 9) out.classLabels = Array.from({ length: 10 }, (_, i) => String(i));
  }
  return out;
}
