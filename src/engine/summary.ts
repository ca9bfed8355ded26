import type { Layer } from './layers/layer.js';

const KERAS_CLASS: Record<string, string> = {
  dense: 'Dense',
  conv2d: 'Conv2D',
  maxPooling2d: 'MaxPooling2D',
  averagePooling2d: 'AveragePooling2D',
  flatten: 'Flatten',
  dropout: 'Dropout',
  batchNormalization: 'BatchNormalization',
  activation: 'Activation',
};

/** Keras' class name for a layer type (for summaries and ONNX node names). */
export function kerasClassName(type: string): string {
  return KERAS_CLASS[type] ?? type;
}

const group = (n: number): string => n.toLocaleString('en-US');

/** Renders Keras' `model.summary()` table: layer (type), output shape, param count, and the totals. */
export function renderSummary(name: string, layers: readonly Layer[], counts: { total: number; trainable: number }): string {
  const rows = layers.map((l) => [
    `${l.name} (${kerasClassName(l.type)})`,
    l.outputShape.length > 0 ? `(None, ${l.outputShape.join(', ')})` : '(unbuilt)',
    group(l.params.reduce((a, p) => a + p.value.length, 0)),
  ]);
  const head = ['Layer (type)', 'Output Shape', 'Param #'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 2);
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => c.padEnd(w[i]!))
      .join('')
      .trimEnd();
  const width = w.reduce((a, b) => a + b, 0);
  return [
    `Model: "${name}"`,
    '_'.repeat(width),
    line(head),
    '='.repeat(width),
    ...rows.flatMap((r, i) => (i === 0 ? [line(r)] : ['_'.repeat(width), line(r)])),
    '='.repeat(width),
    `Total params: ${group(counts.total)}`,
    `Trainable params: ${group(counts.trainable)}`,
    `Non-trainable params: ${group(counts.total - counts.trainable)}`,
    '_'.repeat(width),
  ].join('\n');
}
