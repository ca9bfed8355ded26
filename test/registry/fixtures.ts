import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsvTableSync } from '../../src/data/index.js';
import { FIXTURES } from '../helpers/temp-workspace.js';

/** Iris from the test fixtures (150 × 4, 3 classes). */
export function iris(): { x: Float32Array; y: Float32Array; rows: number; classNames: string[] } {
  const t = readCsvTableSync(join(FIXTURES, 'tabular', 'iris.csv'));
  return { x: t.x, y: t.y!, rows: t.rows, classNames: t.classNames ?? ['0', '1', '2'] };
}

/** Trains softmax regression (a one-layer dense net) by full-batch gradient descent; `epochs` controls its quality. */
export function trainSoftmax(
  data: { x: Float32Array; y: Float32Array; rows: number },
  features: number,
  classes: number,
  epochs: number,
): { w: Float32Array; b: Float32Array } {
  const w = new Float32Array(features * classes);
  const b = new Float32Array(classes);
  const lr = 0.05;
  const p = new Float64Array(classes);
  for (let e = 0; e < epochs; e++) {
    const gw = new Float64Array(features * classes);
    const gb = new Float64Array(classes);
    for (let i = 0; i < data.rows; i++) {
      let m = -Infinity;
      for (let c = 0; c < classes; c++) {
        let z = b[c]!;
        for (let f = 0; f < features; f++) z += data.x[i * features + f]! * w[f * classes + c]!;
        p[c] = z;
        m = Math.max(m, z);
      }
      let s = 0;
      for (let c = 0; c < classes; c++) s += p[c] = Math.exp(p[c]! - m);
      for (let c = 0; c < classes; c++) {
        const g = p[c]! / s - (data.y[i] === c ? 1 : 0);
        gb[c]! += g;
        for (let f = 0; f < features; f++) gw[f * classes + c]! += g * data.x[i * features + f]!;
      }
    }
    for (let k = 0; k < w.length; k++) w[k]! -= (lr * gw[k]!) / data.rows;
    for (let c = 0; c < classes; c++) b[c]! -= (lr * gb[c]!) / data.rows;
  }
  return { w, b };
}

/** Writes a model folder in the engine format (model.json + weights.bin + signature.json) for one softmax dense layer. */
export function writeDenseModel(
  dir: string,
  m: { w: Float32Array; b: Float32Array },
  opts: { features: number; classes: number; labels?: string[]; inputName?: string },
): string {
  mkdirSync(dir, { recursive: true });
  const { features, classes } = opts;
  const signature = {
    inputs: [{ name: opts.inputName ?? 'input', dtype: 'FP32', shape: [-1, features] }],
    outputs: [{ name: 'output', dtype: 'FP32', shape: [-1, classes] }],
    ...(opts.labels ? { classLabels: opts.labels } : {}),
  };
  const model = {
    format: 'slipway-sequential',
    formatVersion: 1,
    inputShape: [features],
    layers: [
      {
        type: 'dense',
        name: 'dense_1',
        config: { units: classes, activation: 'softmax', useBias: true },
        outputShape: [classes],
        weights: [
          { name: 'kernel', shape: [features, classes], offset: 0, length: features * classes },
          { name: 'bias', shape: [classes], offset: features * classes, length: classes },
        ],
      },
    ],
    signature,
  };
  const weights = new Float32Array(features * classes + classes);
  weights.set(m.w, 0);
  weights.set(m.b, features * classes);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(model, null, 2));
  writeFileSync(join(dir, 'weights.bin'), Buffer.from(weights.buffer));
  writeFileSync(join(dir, 'signature.json'), JSON.stringify(signature, null, 2));
  return dir;
}
