import type { Signature } from '../engine/signature.js';
import { SlipwayError } from '../errors/index.js';
import type { TensorData } from './model-runtime.js';

/**
 * Checks a prediction's inputs against the model's signature, so every runtime refuses bad input the same way
 * (INPUT_MISSING, INPUT_INVALID) before its own code sees it: a name the model does not take, a dtype other than the
 * signature's, a rank or fixed dimension that differs (-1 matches any size), or data whose length is not the shape's.
 */
export function checkInputs(signature: Signature, inputs: Readonly<Record<string, TensorData>>): void {
  for (const spec of signature.inputs) {
    const t = inputs[spec.name];
    if (!t) throw new SlipwayError('INPUT_MISSING', `input "${spec.name}" is missing; the model takes ${names(signature)}.`);
    if (t.dtype !== spec.dtype)
      throw new SlipwayError('INPUT_INVALID', `input "${spec.name}" is ${t.dtype}; the model takes ${spec.dtype}.`);
    const fits = t.shape.length === spec.shape.length && spec.shape.every((d, i) => d < 0 || d === t.shape[i]);
    if (!fits)
      throw new SlipwayError(
        'INPUT_INVALID',
        `input "${spec.name}" has shape [${t.shape.join(', ')}]; the model takes [${spec.shape.join(', ')}] (-1: any size).`,
      );
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count)
      throw new SlipwayError(
        'INPUT_INVALID',
        `input "${spec.name}" has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${count}.`,
      );
  }
  for (const name of Object.keys(inputs))
    if (!signature.inputs.some((s) => s.name === name))
      throw new SlipwayError('INPUT_INVALID', `the model has no input "${name}"; it takes ${names(signature)}.`);
}

function names(signature: Signature): string {
  return signature.inputs.map((s) => `"${s.name}"`).join(', ');
}

/** The error a runtime gives for a prediction after close(): the same code for every runtime. */
export function closedRuntimeError(): SlipwayError {
  return new SlipwayError('SERVABLE_NOT_READY', 'this model runtime is closed; load the model again.');
}
