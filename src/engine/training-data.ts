import { loadDataFolder, type RowRange } from '../data/index.js';
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

/**
 * Loads DATA for training or evaluation with the data folder rules of `loadDataFolder` (train-* preferred over
 * t10k-*): IDX images become NHWC tensors with pixels scaled to [0, 1], a CSV rows × features. `range` slices rows.
 */
export async function loadTrainingData(path: string, opts: { target?: string; range?: RowRange } = {}): Promise<TrainingData> {
  const d = await loadDataFolder(path, { target: opts.target, range: opts.range, prefer: 'train' });
  const n = d.rows;
  const x: Tensor =
    d.kind === 'idx'
      ? { shape: [n, d.rowShape[0] ?? 1, d.rowShape[1] ?? 1, d.rowShape[2] ?? 1], data: d.features }
      : { shape: [n, d.rowShape[0]!], data: d.features };
  const out: TrainingData = { x, y: d.labels ? { shape: [n], data: d.labels } : null, kind: d.kind, files: [...d.files] };
  if (d.columns) out.features = [...d.columns];
  if (d.labelNames) out.classLabels = [...d.labelNames];
  // IDX digit labels (0–9) name their classes by the digit, as MNIST models do.
  if (d.kind === 'idx' && d.labels && d.labels.every((v) => v <= 9)) out.classLabels = Array.from({ length: 10 }, (_, i) => String(i));
  return out;
}
