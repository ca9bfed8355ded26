import { conv2d, dense, flatten, maxPooling2d, sequential, type Model } from '../src/engine/index.js';

/** The reference MNIST CNN (the same network as ../shared/anchors), uncompiled, for the benchmarks. */
export function mnistCnn(seed: number): Model {
  return sequential(
    [
      conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      maxPooling2d({ poolSize: 2 }),
      conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
      dense({ units: 10, activation: 'softmax' }),
    ],
    { seed },
  );
}
