import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCsvTable, readIdx } from '../../src/data/index.js';
import { findBreastCancerCsv, provideMnist, type MnistSource } from './demo-data.js';
import { REPO_ROOT } from './demo-shell.js';
import type { TrafficRows } from './demo-traffic.js';

/** What differs between the demo's scenarios; the loop itself (run-demo.ts) is the same. */
export interface DemoExample {
  readonly id: 'mnist' | 'breast-cancer';
  /** Registered model name and dataset name. */
  readonly model: string;
  readonly dataset: string;
  /** Folder under examples/ and the files copied from it into the workspace (the project a user would clone). */
  readonly exampleDir: string;
  readonly files: readonly string[];
  /** Path (in the workspace) given to `slipway data add`. */
  readonly dataPath: string;
  /** Puts the raw data at `dataPath`; says where it came from. */
  provideData(
    ws: string,
    o: { dataDir?: string; offline?: boolean; say: (l: string) => void; warn: (l: string) => void },
  ): Promise<{ source: MnistSource | 'csv'; from: string }>;
  /** Held-out rows (written by the pipeline's prepare stage) to send to the server, scaled as the model takes them. */
  loadTestRows(ws: string): Promise<TrafficRows>;
  /** The pipeline's evaluation and training metrics files (relative to the workspace). */
  readonly evalMetrics: string;
  readonly trainMetrics: string;
  /** The model folder the pipeline writes. */
  readonly modelDir: string;
  /** Param changed for the second run, and the params the caller may set. */
  readonly secondRun: { readonly key: string; readonly describe: string; next(value: number): number };
  readonly headline: string;
}

/** Copies the example's project files into the workspace (model.yaml comes from the engine's example). */
export function copyExampleFiles(ex: DemoExample, ws: string): string[] {
  const missing: string[] = [];
  for (const f of ex.files) {
    const src = join(REPO_ROOT, 'examples', ex.exampleDir, f);
    if (!existsSync(src)) {
      missing.push(`examples/${ex.exampleDir}/${f}`);
      continue;
    }
    mkdirSync(join(ws, f, '..'), { recursive: true });
    copyFileSync(src, join(ws, f));
  }
  return missing;
}

export const MNIST_EXAMPLE: DemoExample = {
  id: 'mnist',
  model: 'mnist',
  dataset: 'mnist',
  exampleDir: 'mnist',
  files: ['slipway.yaml', 'params.yaml', 'model.yaml', 'prepare.mjs'],
  dataPath: 'data/mnist',
  headline: 'MNIST digits: a CNN trained, gated, served and watched',
  provideData: (ws, o) => provideMnist({ ...o, dest: join(ws, 'data', 'mnist') }),
  async loadTestRows(ws) {
    const dir = join(ws, 'data', 'prepared', 'test');
    const [images, labels] = await Promise.all([
      readIdx(join(dir, 't10k-images-idx3-ubyte')),
      readIdx(join(dir, 't10k-labels-idx1-ubyte')),
    ]);
    const count = images.shape[0]!;
    const rowSize = images.shape.slice(1).reduce((a, b) => a * b, 1);
    // The trainer and the gates feed pixels scaled to [0, 1]; clients must send the same.
    return {
      x: Float32Array.from(images.data as Uint8Array, (v) => v / 255),
      rowSize,
      labels: Array.from(labels.data as Uint8Array),
      count,
    };
  },
  evalMetrics: 'metrics/eval.json',
  trainMetrics: 'metrics/train.json',
  modelDir: 'model',
  secondRun: { key: 'train.epochs', describe: 'one more training epoch', next: (v) => v + 1 },
};

export const BREAST_CANCER_EXAMPLE: DemoExample = {
  id: 'breast-cancer',
  model: 'breast-cancer',
  dataset: 'breast-cancer',
  exampleDir: 'breast-cancer',
  files: ['slipway.yaml', 'params.yaml', 'model.yaml', 'prepare.mjs'],
  dataPath: 'data/breast_cancer.csv',
  headline: 'Breast-cancer diagnosis: a dense network that may not miss tumours',
  async provideData(ws, o) {
    const csv = findBreastCancerCsv(o.dataDir, REPO_ROOT);
    mkdirSync(join(ws, 'data'), { recursive: true });
    copyFileSync(csv, join(ws, 'data', 'breast_cancer.csv'));
    o.say(`Wisconsin diagnostic breast cancer data from ${csv} (569 rows, 30 features; class 0 = malignant)`);
    return { source: 'csv', from: csv };
  },
  async loadTestRows(ws) {
    const t = await readCsvTable(join(ws, 'data', 'prepared', 'test.csv'));
    if (!t.y) throw new Error('data/prepared/test.csv has no target column');
    // Raw features: the trained model folds its standardisation into the first layer, so clients send raw values.
    return { x: t.x, rowSize: t.features.length, labels: Array.from(t.y), count: t.rows };
  },
  evalMetrics: 'metrics/eval.json',
  trainMetrics: 'metrics/train.json',
  modelDir: 'model',
  secondRun: { key: 'train.epochs', describe: 'twice the training epochs', next: (v) => v * 2 },
};

/** The example called `id`. */
export function exampleById(id: string): DemoExample {
  if (id === 'mnist') return MNIST_EXAMPLE;
  if (id === 'breast-cancer') return BREAST_CANCER_EXAMPLE;
  throw new Error(`unknown example "${id}" (use mnist or breast-cancer)`);
}
