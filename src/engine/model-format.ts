import type { Signature } from './signature.js';

/**
 * The on-disk model format (a folder, stored as one tree): `model.json` (this type), `weights.bin` (float32
 * little-endian, every layer's weights concatenated in layer order), and `signature.json`.
 * ONNX export, the serving runtime and the registry all read models through this description.
 */
export interface ModelFile {
  readonly format: 'slipway-sequential';
  readonly formatVersion: 1;
  /** Input shape without the batch dimension, NHWC for images (Keras' layout), e.g. [28, 28, 1]. */
  readonly inputShape: readonly number[];
  readonly layers: readonly LayerFile[];
  /** compile() options, kept so a loaded model can continue training. */
  readonly compile?: Readonly<Record<string, unknown>>;
  readonly signature: Signature;
}

/** One layer: its type, its Keras-style config, and where its weights sit in `weights.bin`. */
export interface LayerFile {
  /** 'dense' | 'conv2d' | 'maxPooling2d' | 'averagePooling2d' | 'flatten' | 'dropout' | 'batchNormalization' | 'activation'. */
  readonly type: string;
  readonly name: string;
  /** e.g. dense: { units, activation, useBias }; conv2d: { filters, kernelSize: [h, w], strides: [h, w], padding, activation, useBias }. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Output shape without the batch dimension. */
  readonly outputShape: readonly number[];
  /** Weight tensors: dense kernel [in, units] + bias [units]; conv2d kernel [kh, kw, inC, outC] + bias [outC];
   * batchNormalization gamma, beta, movingMean, movingVariance [C]. `offset` and `length` count float32 elements. */
  readonly weights: readonly {
    readonly name: string;
    readonly shape: readonly number[];
    readonly offset: number;
    readonly length: number;
  }[];
}
