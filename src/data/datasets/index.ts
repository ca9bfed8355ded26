import { loadMnist } from './mnist.js';
import { generateDigits, writeDigitsIdx } from './synthetic-digits.js';

export {
  loadMnist,
  readSplit,
  toImageSplit,
  MNIST_FILES,
  MNIST_MIRRORS,
  type ImageSplit,
  type MnistData,
  type LoadMnistOptions,
} from './mnist.js';
export {
  generateDigits,
  writeDigitsIdx,
  type DigitsData,
  type GenerateDigitsOptions,
  type WriteDigitsOptions,
} from './synthetic-digits.js';
export { DIGIT_GLYPHS } from './digit-glyphs.js';

/** Keras-style namespaces: `datasets.mnist.load({ dir })`, `datasets.syntheticDigits.generate({ count, seed })`. */
export const datasets = {
  mnist: { load: loadMnist },
  syntheticDigits: { generate: generateDigits, writeIdx: writeDigitsIdx },
} as const;
