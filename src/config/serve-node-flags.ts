/**
 * V8 flags the model server's process starts with (`slipway serve` re-runs itself with them; the container image's
 * entrypoint passes them). `--single-threaded-gc` keeps V8's collector on the isolate's own thread: on a small
 * machine its helper threads competed with the event loop and the prediction worker for the same cores, and the
 * preempted request paid for it (bench/serve.ts, engine CNN at 16 connections on 2 cores: p99 median 12.1 → 7.3 ms
 * over 6 alternated rounds, throughput unchanged). GC flags cannot change once V8 has started.
 */
export const SERVE_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];
