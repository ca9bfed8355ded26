import type { FitOptions, History, Logs } from './model.js';
import type { ModelFile } from './model-format.js';
import type { Tensor } from './tensor.js';

/** What the main thread sends a training worker. */
export interface FitJob {
  readonly file: ModelFile;
  readonly weights: Float32Array;
  readonly x: Tensor;
  readonly y: Tensor;
  readonly opts: Omit<FitOptions, 'callbacks' | 'run' | 'validationData'> & { validationData?: [Tensor, Tensor] };
  readonly kernels: 'reference' | 'default';
  /** Post per-batch logs (only when the caller listens). */
  readonly batchEvents: boolean;
}

/**
 * Messages from the worker. The other way go `stop` (Keras' stop_training from a batch callback) and `epochAck`
 * (`{ stop }`), the main thread's answer to each `epoch` event, which the worker waits for before the next epoch.
 */
export type FitEvent =
  | { readonly type: 'epochBegin'; readonly epoch: number }
  | { readonly type: 'batch'; readonly batch: number; readonly logs: Logs }
  | { readonly type: 'epoch'; readonly epoch: number; readonly logs: Logs }
  | { readonly type: 'done'; readonly history: History; readonly weights: Float32Array; readonly logs: Logs }
  | { readonly type: 'error'; readonly code: string; readonly message: string; readonly details?: Record<string, unknown> };
