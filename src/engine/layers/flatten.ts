import { sizeOf } from '../tensor.js';
import type { Layer } from './layer.js';

/** Flattens each sample to one axis (row-major over NHWC, as Keras with channels last). */
export function flatten(opts: { inputShape?: readonly number[]; name?: string } = {}): Layer {
  const layer: Layer = {
    type: 'flatten',
    name: opts.name ?? 'flatten',
    config: {},
    ...(opts.inputShape ? { declaredInputShape: [...opts.inputShape] } : {}),
    inputShape: [],
    outputShape: [],
    params: [],
    build(inputShape) {
      layer.inputShape = [...inputShape];
      layer.outputShape = [sizeOf(inputShape)];
      return layer.outputShape;
    },
    forward: (x) => x,
    backward: (dy, _b, _c, need) => (need ? dy : null),
  };
  return layer;
}
