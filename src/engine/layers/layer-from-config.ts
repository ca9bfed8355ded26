import { SlipwayError } from '../../errors/index.js';
import { activation } from './activation-layer.js';
import { batchNormalization } from './batch-normalization.js';
import { conv2d, type Conv2dOptions } from './conv2d.js';
import { dense, type DenseOptions } from './dense.js';
import { dropout } from './dropout.js';
import { flatten } from './flatten.js';
import type { ActivationName, Layer } from './layer.js';
import { averagePooling2d, maxPooling2d, type Pooling2dOptions } from './pooling.js';

/** Layer types a model file or model.yaml may name. */
export const LAYER_TYPES = [
  'dense',
  'conv2d',
  'maxPooling2d',
  'averagePooling2d',
  'flatten',
  'dropout',
  'batchNormalization',
  'activation',
] as const;

/** Creates a layer from its type and Keras-style config (as saved in model.json or written in model.yaml). */
export function layerFromConfig(type: string, config: Readonly<Record<string, unknown>>, name?: string): Layer {
  const c = { ...config, ...(name ? { name } : {}) };
  switch (type) {
    case 'dense':
      return dense(c as unknown as DenseOptions);
    case 'conv2d':
      return conv2d(c as unknown as Conv2dOptions);
    case 'maxPooling2d':
      return maxPooling2d(c as Pooling2dOptions);
    case 'averagePooling2d':
      return averagePooling2d(c as Pooling2dOptions);
    case 'flatten':
      return flatten(c as { name?: string });
    case 'dropout':
      return dropout(c as { rate: number; name?: string });
    case 'batchNormalization':
      return batchNormalization(c as { momentum?: number; epsilon?: number; name?: string });
    case 'activation':
      return activation(c as { activation: ActivationName; name?: string });
    default:
      throw new SlipwayError('LAYER_INVALID', `unknown layer type ${JSON.stringify(type)}; use one of ${LAYER_TYPES.join(', ')}`, {
        type,
      });
  }
}
