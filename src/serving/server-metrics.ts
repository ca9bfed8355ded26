import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The model server's Prometheus metrics, on a registry of its own (several servers may share a process). */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'model' | 'version' | 'protocol' | 'code'>;
  readonly duration: Histogram<'model' | 'protocol'>;
  readonly batchSize: Histogram<'model'>;
  readonly queueDepth: Gauge<'model'>;
  readonly inflight: Gauge;
}

/** Creates the metric set: `slipway_requests_total`, `slipway_request_duration_seconds` (sub-5 ms buckets), batch size, queue depth, in-flight. */
export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'slipway_process_' });
  return {
    registry,
    requests: new Counter({
      name: 'slipway_requests_total',
      help: 'Model server requests by model, version, protocol and status code',
      labelNames: ['model', 'version', 'protocol', 'code'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'slipway_request_duration_seconds',
      help: 'Model server request latency',
      labelNames: ['model', 'protocol'],
      buckets: [0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'slipway_batch_size',
      help: 'Rows per runtime call when dynamic batching is on',
      labelNames: ['model'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'slipway_queue_depth',
      help: 'Requests waiting in the batching queue',
      labelNames: ['model'],
      registers: [registry],
    }),
    inflight: new Gauge({ name: 'slipway_inflight_requests', help: 'Requests being served now', registers: [registry] }),
  };
}
