/** The model server's defaults, one place for the server and `slipway serve` (TF Serving's ports; loopback only). */
export const SERVING_DEFAULTS = {
  restPort: 8501,
  grpcPort: 8500,
  host: '127.0.0.1',
  /** Largest request body (16 MiB). */
  bodyLimit: 16 * 1024 * 1024,
  /** How often alias references are re-resolved for hot swap. */
  pollIntervalMs: 1000,
  /** Dynamic batching, when on. */
  maxBatchSize: 32,
  maxQueueDelayMs: 2,
  /**
   * Native kernel threads for engine models (SLIPWAY_THREADS overrides): requests give the parallelism, and a pool
   * splitting each batch-1 prediction across cores took CPU from the event loop (bench/serve.ts).
   */
  kernelThreads: 1,
  /**
   * ONNX sessions in one worker thread: the event loop parses the next requests while a prediction runs
   * (bench/serve.ts, PyTorch CNN at 16 connections on 2 cores: ~6,100–7,600 req/s against ~4,300–4,900 on the loop).
   */
  onnxWorkers: 1,
} as const;
