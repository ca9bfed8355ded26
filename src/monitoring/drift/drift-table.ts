import { SlipwayError } from '../../errors/index.js';
import { isMissingCell, isNumericCell, type CsvText } from '../../data/index.js';

/** One column of a table handed to the drift engine: numbers (NaN = missing) or text (null = missing). */
export type DriftColumnData =
  | { readonly kind: 'numeric'; readonly values: Float64Array | Float32Array }
  | { readonly kind: 'text'; readonly values: readonly (string | null)[] };

/** A table by columns. Numeric columns on SharedArrayBuffers reach the workers without a copy. */
export interface DriftTable {
  readonly rows: number;
  readonly columns: ReadonlyMap<string, DriftColumnData>;
}

/**
 * Builds a table from CSV text cells. A column whose every non-missing cell is a number is numeric (as pandas reads
 * it); any other text makes it a text column. Numbers live on a SharedArrayBuffer.
 */
export function driftTableFromCsv(t: CsvText, source: string): DriftTable {
  const columns = new Map<string, DriftColumnData>();
  const rows = t.rows.length;
  t.columns.forEach((name, j) => {
    if (columns.has(name))
      throw new SlipwayError('DATA_FORMAT_INVALID', `${source} has two columns named "${name}"; rename one`, { source, name });
    let numeric = true;
    for (const r of t.rows) {
      const c = r[j] ?? '';
      if (!isMissingCell(c) && !isNumericCell(c)) {
        numeric = false;
        break;
      }
    }
    if (numeric) {
      const values = new Float64Array(new SharedArrayBuffer(rows * 8));
      t.rows.forEach((r, i) => {
        const c = r[j] ?? '';
        values[i] = isMissingCell(c) ? NaN : Number(c);
      });
      columns.set(name, { kind: 'numeric', values });
    } else {
      columns.set(name, {
        kind: 'text',
        values: t.rows.map((r) => {
          const c = r[j] ?? '';
          return isMissingCell(c) ? null : c.trim();
        }),
      });
    }
  });
  return { rows, columns };
}

/** A table from numeric columns (each the same length). */
export function driftTableFromColumns(columns: Record<string, Float64Array | Float32Array>): DriftTable {
  const m = new Map<string, DriftColumnData>();
  let rows = -1;
  for (const [name, values] of Object.entries(columns)) {
    if (rows >= 0 && values.length !== rows)
      throw new SlipwayError(
        'DATA_FORMAT_INVALID',
        `column "${name}" has ${values.length} rows, others ${rows}; give columns of one length`,
        { name },
      );
    rows = values.length;
    m.set(name, { kind: 'numeric', values });
  }
  return { rows: Math.max(0, rows), columns: m };
}
