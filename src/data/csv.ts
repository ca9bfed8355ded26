import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SlipwayError } from '../errors/index.js';

/** A numeric table loaded from CSV: features as a row-major Float32Array, the target column separately. */
export interface CsvTable {
  /** Every column name, in file order (features and target). */
  columns: string[];
  /** The feature column names, in the order of `x`'s columns. */
  features: string[];
  /** rows × features, row-major; missing cells are NaN. */
  x: Float32Array;
  /** The target column (class index or value), or null when the table has no target. */
  y: Float32Array | null;
  rows: number;
  /** Class names, index = class id (from a scikit-learn header or from a text target column). */
  classNames?: string[];
}

/** Options for `readCsvTable`. */
export interface ReadCsvOptions {
  /** The target column by name or index; default `target` when such a column exists (always for scikit-learn CSVs). */
  target?: string | number;
}

/** A CSV parsed to text cells, with its header resolved. */
export interface CsvText {
  columns: string[];
  rows: string[][];
  /** Class names from a scikit-learn header line, when the file has one. */
  classNames?: string[];
}

/** Parses CSV text (RFC 4180: quoted fields, doubled quotes, CRLF, newlines inside quotes) into rows of cells. */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  let quoted = false;
  while (i < n) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      cell += c;
      i++;
      continue;
    }
    if (c === '"' && cell === '') {
      quoted = true;
      i++;
    } else if (c === delimiter) {
      row.push(cell);
      cell = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      row.push(cell);
      cell = '';
      if (!(row.length === 1 && row[0] === '')) rows.push(row);
      row = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      cell += c;
      i++;
    }
  }
  if (quoted) throw new SlipwayError('DATA_FORMAT_INVALID', 'CSV ends inside a quoted field; close the quote');
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

const isIntText = (s: string | undefined): boolean => s !== undefined && /^\s*\d+\s*$/.test(s);
/** True when a cell holds a number (empty and NA-like cells are "missing", not text). */
export function isNumericCell(s: string): boolean {
  return s.trim() !== '' && Number.isFinite(Number(s));
}
/** True for cells that mean "no value". */
export function isMissingCell(s: string): boolean {
  const t = s.trim().toLowerCase();
  return t === '' || t === 'na' || t === 'nan' || t === 'null' || t === 'none' || t === '?';
}

/**
 * Resolves the header of parsed CSV rows. A scikit-learn file starts with "n_rows,n_features,class…"; its columns
 * are feature_0…feature_{n-1} and `target` unless a real header row follows. Otherwise the first row is the header
 * when it has any non-numeric cell, else columns are named column_0….
 */
export function resolveCsvHeader(all: string[][], source = 'CSV'): CsvText {
  if (all.length === 0) throw new SlipwayError('DATA_EMPTY', `${source} is empty; add a header and rows`, { source });
  const first = all[0]!;
  const second = all[1];
  if (isIntText(first[0]) && isIntText(first[1]) && second) {
    const nFeatures = Number(first[1]);
    const secondIsHeader = second.some((c) => !isNumericCell(c) && !isMissingCell(c));
    // Class names or a matching row count must confirm it, so a headerless numeric file is not misread.
    const countMatches = Number(first[0]) === all.length - (secondIsHeader ? 2 : 1);
    const namesFollow = first.length > 2 && first.slice(2).every((c) => !isNumericCell(c));
    if (second.length === nFeatures + 1 && (countMatches || namesFollow)) {
      const classNames = first.slice(2).map((s) => s.trim());
      const columns = secondIsHeader
        ? second.map((c) => c.trim())
        : [...Array.from({ length: nFeatures }, (_, i) => `feature_${i}`), 'target'];
      const out: CsvText = { columns, rows: all.slice(secondIsHeader ? 2 : 1) };
      if (classNames.length > 0) out.classNames = classNames;
      return out;
    }
  }
  const hasHeader = first.some((c) => !isNumericCell(c) && !isMissingCell(c));
  if (hasHeader) return { columns: first.map((c) => c.trim()), rows: all.slice(1) };
  return { columns: first.map((_, i) => `column_${i}`), rows: all };
}

/** Reads a CSV file to text cells with its header resolved. */
export async function readCsvText(path: string): Promise<CsvText> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new SlipwayError('PATH_NOT_FOUND', `cannot read ${path}: ${(e as Error).message}; check the path`, { path });
  }
  return resolveCsvHeader(parseCsv(text), path);
}

/** Builds a numeric table from text cells (see `readCsvTable`). */
export function csvTextToTable(t: CsvText, opts: ReadCsvOptions = {}, source = 'CSV'): CsvTable {
  const { columns, rows } = t;
  if (rows.length === 0) throw new SlipwayError('DATA_EMPTY', `${source} has a header but no rows`, { source });
  let targetIdx = -1;
  if (typeof opts.target === 'number') {
    targetIdx = opts.target < 0 ? columns.length + opts.target : opts.target;
    if (!Number.isInteger(targetIdx) || targetIdx < 0 || targetIdx >= columns.length)
      throw new SlipwayError(
        'DATA_COLUMN_NOT_FOUND',
        `${source} has ${columns.length} columns; target index ${opts.target} is out of range`,
        {
          source,
        },
      );
  } else if (typeof opts.target === 'string') {
    targetIdx = columns.indexOf(opts.target);
    if (targetIdx < 0)
      throw new SlipwayError(
        'DATA_COLUMN_NOT_FOUND',
        `${source} has no column "${opts.target}"; its columns are ${columns.slice(0, 12).join(', ')}${columns.length > 12 ? ', …' : ''}`,
        { source, column: opts.target },
      );
  } else {
    targetIdx = columns.indexOf('target');
  }
  const featureIdx = columns.map((_, i) => i).filter((i) => i !== targetIdx);
  const nf = featureIdx.length;
  const x = new Float32Array(rows.length * nf);
  rows.forEach((row, r) => {
    if (row.length !== columns.length)
      throw new SlipwayError(
        'DATA_FORMAT_INVALID',
        `${source} row ${r + 1} has ${row.length} fields but the header has ${columns.length}; fix that row`,
        { source, row: r + 1 },
      );
    for (let j = 0; j < nf; j++) {
      const cell = row[featureIdx[j]!]!;
      if (isMissingCell(cell)) x[r * nf + j] = NaN;
      else if (isNumericCell(cell)) x[r * nf + j] = Number(cell);
      else
        throw new SlipwayError(
          'DATA_FORMAT_INVALID',
          `${source} row ${r + 1}, column "${columns[featureIdx[j]!]}" holds text ("${cell}"); feature columns must be numeric (encode it first)`,
          { source, row: r + 1, column: columns[featureIdx[j]!] },
        );
    }
  });
  const table: CsvTable = { columns, features: featureIdx.map((i) => columns[i]!), x, y: null, rows: rows.length };
  if (t.classNames) table.classNames = t.classNames;
  if (targetIdx >= 0) {
    const cells = rows.map((r) => r[targetIdx]!.trim());
    const numeric = cells.every((c) => isNumericCell(c));
    if (numeric) table.y = Float32Array.from(cells, Number);
    else {
      // A text target becomes class indices; classes are numbered in sorted order so the mapping is stable.
      const names = [...new Set(cells.filter((c) => !isMissingCell(c)))].sort();
      const index = new Map(names.map((n, i) => [n, i]));
      table.y = Float32Array.from(cells, (c) => index.get(c) ?? NaN);
      table.classNames = names;
    }
  }
  return table;
}

/** Reads a numeric CSV table (header or scikit-learn layout; quoted fields; missing cells → NaN). */
export async function readCsvTable(path: string, opts: ReadCsvOptions = {}): Promise<CsvTable> {
  return csvTextToTable(await readCsvText(path), opts, path);
}

/** Synchronous `readCsvTable`. */
export function readCsvTableSync(path: string, opts: ReadCsvOptions = {}): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SlipwayError('PATH_NOT_FOUND', `cannot read ${path}: ${(e as Error).message}; check the path`, { path });
  }
  return csvTextToTable(resolveCsvHeader(parseCsv(text), path), opts, path);
}
