import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';
import { SlipwayError } from '../errors/index.js';
import { loadDataFolder, openDataSource } from '../data/index.js';
import type { TensorSpec } from '../engine/signature.js';

/** Evaluation rows: features as one row-major Float32Array, labels, and where they came from. */
export interface EvalData {
  /** Rows as fed to the model (scaled). */
  readonly x: Float32Array;
  /** Rows as stored (unscaled; the same array when the scale is 1), for slice rules on feature columns. */
  readonly raw: Float32Array;
  readonly rows: number;
  /** Shape of one row as stored (e.g. [28, 28] for IDX images, [30] for a CSV). */
  readonly rowShape: readonly number[];
  /** Feature column names (CSV), for slice rules. */
  readonly columns: readonly string[] | null;
  readonly y: Float32Array;
  readonly classNames: readonly string[] | null;
  /** `name@N` of the dataset version, or the path. */
  readonly source: string;
}

/** Where evaluation data comes from: the gate set's dataset (or an override), a CSV target and a scale. */
export interface EvalDataSpec {
  readonly dataset: string;
  readonly target?: string | number | undefined;
  /** Multiplies inputs (default 1/255 for uint8 IDX images, 1 otherwise). */
  readonly scale?: number | undefined;
}

/**
 * Loads evaluation data from a dataset version (`name@N`, `name@latest`, `name`) or a path relative to the
 * workspace, by the data folder rules of `loadDataFolder` (t10k-* / test-* preferred over train-*); the data must
 * have labels (GATE_DATA_INVALID otherwise).
 */
export async function loadEvalData(
  db: Db,
  store: ObjectStore,
  spec: EvalDataSpec,
  opts: { root: string; tmpDir: string },
): Promise<EvalData> {
  const src = await openDataSource(spec.dataset, { root: opts.root, tmpDir: opts.tmpDir, db: async () => db, store: () => store });
  try {
    return await loadFromPath(src.path, spec, src.label);
  } finally {
    src.close();
  }
}

async function loadFromPath(path: string, spec: EvalDataSpec, source: string): Promise<EvalData> {
  const d = await loadDataFolder(path, { target: spec.target, scale: spec.scale, prefer: 'test', source });
  if (!d.labels)
    throw new SlipwayError(
      'GATE_DATA_INVALID',
      d.kind === 'csv'
        ? `${source} has no label column; set \`target:\` in the gate set to the column holding the labels`
        : `${source} has IDX images but no labels file beside them (e.g. t10k-labels-idx1-ubyte); add it`,
      { source },
    );
  return {
    x: d.features,
    raw: d.raw,
    rows: d.rows,
    rowShape: d.rowShape,
    columns: d.columns,
    y: d.labels,
    classNames: d.labelNames,
    source,
  };
}

/**
 * Checks that rows of `data` fit the model's one input tensor and returns the per-row shape to feed it.
 * SIGNATURE_MISMATCH names both shapes when they don't.
 */
export function inputRowShape(inputs: readonly TensorSpec[], data: EvalData): number[] {
  if (inputs.length !== 1)
    throw new SlipwayError(
      'SIGNATURE_MISMATCH',
      `the model takes ${inputs.length} inputs; gates evaluate models with exactly one input`,
      {},
    );
  const spec = inputs[0]!;
  if (spec.dtype !== 'FP32' && spec.dtype !== 'FP64')
    throw new SlipwayError(
      'SIGNATURE_MISMATCH',
      `input "${spec.name}" is ${spec.dtype}; gates feed floating-point features (FP32/FP64)`,
      {},
    );
  const rest = spec.shape.slice(1);
  const have = data.rowShape.reduce((a, b) => a * b, 1);
  const known = rest.filter((d) => d > 0).reduce((a, b) => a * b, 1);
  const unknown = rest.filter((d) => d < 0).length;
  const fits = unknown === 0 ? known === have : unknown === 1 && have % known === 0;
  if (!fits)
    throw new SlipwayError(
      'SIGNATURE_MISMATCH',
      `evaluation data ${data.source} has rows of shape [${data.rowShape.join(', ')}] (${have} values) but input "${spec.name}" expects [${rest.join(', ')}]${data.columns ? ` (the data's columns: ${data.columns.slice(0, 8).join(', ')}${data.columns.length > 8 ? ', …' : ''})` : ''}; evaluate on data the model was trained for`,
      { source: data.source, dataShape: data.rowShape, inputShape: rest },
    );
  return rest.map((d) => (d > 0 ? d : have / known));
}
