import { existsSync, readFileSync } from 'node:fs';
import { SlipwayError } from '../errors/index.js';
import { readCsvTable, readIdx } from '../data/index.js';

/** Rows to explain, read from a CSV row, an IDX image or JSON, with what the pictures need. */
export interface ExplainInput {
  /** The chosen row(s), row-major, as the model takes them (IDX uint8 scaled to 0…1). */
  readonly rows: Float32Array;
  readonly n: number;
  /** CSV feature names. */
  readonly featureNames?: readonly string[];
  /** Mean of every row of the CSV: a neutral baseline for tabular data. */
  readonly mean?: Float32Array;
  /** True class of the row, when the file has one. */
  readonly label?: number;
  readonly kind: 'csv' | 'idx' | 'json';
}

function flatten(v: unknown, out: number[]): void {
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) for (const x of v) flatten(x, out);
  else throw new SlipwayError('EXPLAIN_INVALID', 'JSON input must hold numbers only (a row, rows, or {"instances": [...]})', {});
}

/**
 * Reads INPUT for `slipway explain`: a CSV file (row `index` of its feature columns; the `target` column is left
 * out), an IDX image file (image `index`, uint8 scaled by 1/255 as training does), or JSON (a file or inline text:
 * one row, a list of rows, or `{"instances": [...]}`; each row is flattened).
 */
export async function readExplainInput(input: string, index: number, rowSize: number): Promise<ExplainInput> {
  const lower = input.toLowerCase();
  if (existsSync(input) && lower.endsWith('.csv')) {
    const t = await readCsvTable(input);
    if (!(index >= 0 && index < t.rows))
      throw new SlipwayError('EXPLAIN_INVALID', `--row ${index} is outside ${input}'s ${t.rows} rows`, {});
    const f = t.features.length;
    const mean = new Float32Array(f);
    for (let r = 0; r < t.rows; r++) for (let j = 0; j < f; j++) mean[j] = mean[j]! + t.x[r * f + j]! / t.rows;
    return {
      rows: t.x.slice(index * f, (index + 1) * f),
      n: 1,
      featureNames: t.features,
      mean,
      ...(t.y ? { label: t.y[index]! } : {}),
      kind: 'csv',
    };
  }
  if (existsSync(input) && !lower.endsWith('.json')) {
    const idx = await readIdx(input);
    const size = idx.shape.slice(1).reduce((a, b) => a * b, 1);
    const count = idx.shape[0] ?? 0;
    if (!(index >= 0 && index < count))
      throw new SlipwayError('EXPLAIN_INVALID', `--row ${index} is outside ${input}'s ${count} images`, {});
    const scale = idx.dtype === 'uint8' ? 1 / 255 : 1;
    const rows = Float32Array.from(idx.data.subarray(index * size, (index + 1) * size) as ArrayLike<number>, (v) => v * scale);
    return { rows, n: 1, kind: 'idx' };
  }
  let value: unknown;
  try {
    value = JSON.parse(existsSync(input) ? readFileSync(input, 'utf8') : input);
  } catch {
    throw new SlipwayError('EXPLAIN_INVALID', `${input} is not a file, and not JSON; give a CSV, an IDX file or a JSON row`, {});
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'instances' in value)
    value = (value as { instances: unknown }).instances;
  const flat: number[] = [];
  flatten(value, flat);
  if (flat.length === 0 || flat.length % rowSize !== 0)
    throw new SlipwayError('EXPLAIN_INVALID', `the JSON input has ${flat.length} numbers; the model takes rows of ${rowSize}`, {});
  return { rows: Float32Array.from(flat), n: flat.length / rowSize, kind: 'json' };
}
