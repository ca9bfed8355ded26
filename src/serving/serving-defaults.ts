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
} as const;
