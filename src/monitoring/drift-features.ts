/** Numeric feature vectors recovered from logged `input_json` values, one per input row. */
export interface FeatureRows {
  /** `name[i]` for each position of the flattened inputs (tensor names in sorted order). */
  readonly names: readonly string[];
  readonly rows: readonly Float64Array[];
}

function flatten(v: unknown, out: number[]): boolean {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return false;
    out.push(v);
    return true;
  }
  if (Array.isArray(v)) return v.every((x) => flatten(x, out));
  return false;
}

/** One request's rows: an array of arrays is a batch (one row each), a flat array or a number is a single row. */
function rowsOf(v: unknown): number[][] | null {
  if (Array.isArray(v) && v.length > 0 && v.every((x) => Array.isArray(x))) {
    const rows: number[][] = [];
    for (const x of v) {
      const r: number[] = [];
      if (!flatten(x, r)) return null;
      rows.push(r);
    }
    return rows;
  }
  const r: number[] = [];
  return flatten(v, r) && r.length > 0 ? [r] : null;
}

/**
 * Parses logged inputs (`{ tensor: nested numbers }`) into flat numeric rows. Rows that are not numeric (redacted,
 * strings) or whose width differs from `width` (default: the first parsed row's) are skipped; null when none parse.
 */
export function featureRows(inputs: readonly (string | null)[], width?: number): FeatureRows | null {
  let names: string[] | null = null;
  const rows: Float64Array[] = [];
  for (const text of inputs) {
    if (text === null) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      continue;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) continue;
    const keys = Object.keys(obj).sort();
    const parts = keys.map((k) => rowsOf((obj as Record<string, unknown>)[k]));
    if (parts.length === 0 || parts.some((p) => p === null)) continue;
    const batch = parts[0]!.length;
    if (parts.some((p) => p!.length !== batch)) continue;
    for (let i = 0; i < batch; i++) {
      const vec = parts.flatMap((p) => p![i]!);
      if (names === null) {
        if (width !== undefined && vec.length !== width) continue;
        names = keys.flatMap((k, t) => parts[t]![i]!.map((_, j) => `${k}[${j}]`));
      }
      if (vec.length !== names.length) continue;
      rows.push(Float64Array.from(vec));
    }
  }
  return names === null ? null : { names, rows };
}
