import { SlipwayError } from '../errors/index.js';
import type { Model } from './model.js';

/** Per-feature mean and standard deviation (population; a constant feature gets std 1). */
export interface FeatureStats {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/** Feature statistics of a row-major rows × cols matrix. */
export function featureStats(x: Float32Array, rows: number, cols: number): FeatureStats {
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] = mean[c]! + x[r * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c] = mean[c]! / Math.max(1, rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const d = x[r * cols + c]! - mean[c]!;
      std[c] = std[c]! + d * d;
    }
  }
  for (let c = 0; c < cols; c++) {
    const s = Math.sqrt(std[c]! / Math.max(1, rows));
    std[c] = s > 1e-12 ? s : 1;
  }
  return { mean, std };
}

/** (x − mean) / std into a new matrix. */
export function standardize(x: Float32Array, stats: FeatureStats): Float32Array {
  const cols = stats.mean.length;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % cols;
    out[i] = (x[i]! - stats.mean[c]!) / stats.std[c]!;
  }
  return out;
}

/**
 * Folds standardization into the first dense layer, so the saved model takes raw features:
 * W'[i, j] = W[i, j] / std[i] and b'[j] = b[j] − Σ_i mean[i] / std[i] · W[i, j]. Exact up to float32 rounding.
 */
export function foldStandardization(model: Model, stats: FeatureStats): void {
  const first = model.layers.find((l) => l.params.length > 0);
  const f = stats.mean.length;
  const kernel = first?.params.find((p) => p.name === 'kernel');
  if (!first || first.type !== 'dense' || !kernel || kernel.shape[0] !== f || first.inputShape.length !== 1) {
    throw new SlipwayError(
      'MODEL_INVALID',
      'preprocess.standardize needs the first layer with weights to be a dense layer over the raw features; remove standardize or start with dense',
      {},
    );
  }
  const units = kernel.shape[1]!;
  const bias = first.params.find((p) => p.name === 'bias');
  if (!bias)
    throw new SlipwayError('MODEL_INVALID', 'preprocess.standardize needs the first dense layer to use a bias (useBias: true)', {});
  for (let j = 0; j < units; j++) {
    let shift = 0;
    for (let i = 0; i < f; i++) {
      const w = kernel.value[i * units + j]! / stats.std[i]!;
      kernel.value[i * units + j] = w;
      shift += stats.mean[i]! * w;
    }
    bias.value[j] = bias.value[j]! - shift;
  }
}
