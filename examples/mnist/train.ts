// The Keras MNIST convnet, in TypeScript. Run from the repository root:
//   node --import tsx examples/mnist/train.ts [MNIST_DIR] [EPOCHS]
// MNIST_DIR holds the IDX files (train-* and/or t10k-*, raw or .gz), e.g. ../shared/data/mnist; without it the
// canonical files are downloaded (checksummed) into the cache. With only t10k-* present, the first 8,000 images
// train and the last 2,000 test. In a project of your own, import the same names from 'slipway'.
import { join } from 'node:path';
import { conv2d, datasets, dense, flatten, maxPooling2d, saveModel, sequential } from '../../src/engine/index.js';
import { writeOnnx } from '../../src/engine/onnx/export-onnx.js';
import { sliceRows } from '../../src/engine/tensor.js';

const dir = process.argv[2];
const epochs = Number(process.argv[3] ?? 5);
const data = await datasets.mnist.load(dir ? { dir } : {});
const [xTrain, yTrain, xTest, yTest] = data.train
  ? [data.train.x, data.train.y, data.test.x, data.test.y]
  : [
      sliceRows(data.test.x, 0, 8000),
      sliceRows(data.test.y, 0, 8000),
      sliceRows(data.test.x, 8000, 10000),
      sliceRows(data.test.y, 8000, 10000),
    ];

const model = sequential([
  conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
  maxPooling2d({ poolSize: 2 }),
  conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
  maxPooling2d({ poolSize: 2 }),
  flatten(),
  dense({ units: 10, activation: 'softmax' }),
]);
model.summary(console.log);

model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
await model.fit(xTrain, yTrain, { batchSize: 32, epochs, validationSplit: 0.1, verbose: 1 });

const score = model.evaluate(xTest, yTest);
console.log(`Test loss: ${score.loss!.toFixed(4)}`);
console.log(`Test accuracy: ${score.accuracy!.toFixed(4)}`);

model.classLabels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const out = join(import.meta.dirname, 'model');
await saveModel(model, out);
await writeOnnx(out, join(import.meta.dirname, 'model.onnx'));
console.log(`saved ${out} (model.json, weights.bin, signature.json) and ${join(import.meta.dirname, 'model.onnx')}`);
