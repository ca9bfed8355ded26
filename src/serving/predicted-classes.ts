import type { Signature } from '../engine/signature.js';
import type { TensorData } from '../runtime/index.js';

/** Class index per row for a classifier output (argmax, or threshold 0.5 for one sigmoid unit). */
export function predictedClasses(sig: Signature, outputs: Record<string, TensorData>): number[] | null {
  if (sig.outputs.length !== 1) return null;
  const t = outputs[sig.outputs[0]!.name];
  if (!t || t.shape.length !== 2 || t.data instanceof BigInt64Array) return null;
  const rows = t.shape[0]!;
  const k = t.shape[1]!;
  const d = t.data as ArrayLike<number>;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (k === 1) {
      out.push(d[r]! >= 0.5 ? 1 : 0);
      continue;
    }
    let best = 0;
    for (let j = 1; j < k; j++) if (d[r * k + j]! > d[r * k + best]!) best = j;
    out.push(best);
  }
  return out;
}

/** Label of class `i` (the signature's classLabels, else the index). */
export function classLabel(sig: Signature, i: number): string {
  return sig.classLabels?.[i] ?? String(i);
}
