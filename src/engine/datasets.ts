import { generateDigits, loadMnist, type GenerateDigitsOptions, type ImageSplit, type LoadMnistOptions } from '../data/datasets/index.js';
import type { Tensor } from './tensor.js';

/** A split as tensors: x [N, H, W, 1] in [0, 1] and y [N] class indices. */
export interface TensorSplit {
  x: Tensor;
  y: Tensor;
}

function toTensors(s: ImageSplit): TensorSplit {
  return { x: { shape: [s.count, ...s.imageShape], data: s.images }, y: { shape: [s.count], data: Float32Array.from(s.labels) } };
}

/** MNIST as tensors (Keras' `datasets.mnist.load_data()`); `{ dir }` reads local IDX files, else the download cache. */
export const mnist = {
  async load(opts: LoadMnistOptions = {}): Promise<{ train?: TensorSplit; test: TensorSplit }> {
    const d = await loadMnist(opts);
    return { ...(d.train ? { train: toTensors(d.train) } : {}), test: toTensors(d.test) };
  },
};

/** Synthetic 28×28 digits (for tests and demos without any download). */
export const digits = {
  generate(opts: GenerateDigitsOptions): TensorSplit {
    return toTensors(generateDigits(opts));
  },
};
