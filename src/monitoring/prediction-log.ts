import { randomBytes } from 'node:crypto';
import type { Db } from '../meta/index.js';
import { compileRedaction, type RedactionSpec } from './redaction.js';
import { purgePredictions } from './retention.js';

/** One logged prediction (a row of the predictions table). */
export interface PredictionRecord {
  readonly requestId: string;
  readonly model: string;
  readonly version: number | null;
  readonly at: number;
  readonly latencyMs: number;
  readonly status: number;
  /** Predicted class label(s) for classifiers: one label, or a JSON array for multi-row requests. */
  readonly predicted: string | null;
  /** Inputs and outputs by tensor name, built only when the row is sampled (so unsampled requests cost nothing). */
  readonly inputs: (() => Record<string, unknown>) | null;
  readonly outputs: (() => Record<string, unknown>) | null;
}

/** Prediction logging settings. */
export interface PredictionLogOptions {
  /** Fraction of requests logged, 0..1 (default 1). */
  readonly sampleRate?: number;
  /**
   * Input or output names redacted before they are stored: a list (masked) or a map of name → drop | hash | mask
   * (`monitoring.redact`).
   */
  readonly redact?: RedactionSpec;
  /** Key of the salted hashes (default: random per process, so hashes only join within one server's lifetime). */
  readonly redactionSalt?: string;
  /** Rows older than this are deleted, checked at start and then every hour at most (`monitoring.retention`). */
  readonly retentionMs?: number;
  /** Rows buffered before a write (default 256); a timer also flushes every flushMs (default 500). */
  readonly batchRows?: number;
  readonly flushMs?: number;
  /** Store request inputs at all (default true). */
  readonly logInputs?: boolean;
}

/** A buffered, sampled writer of predictions; writes go out in batches, never per request. */
export interface PredictionLog {
  record(r: PredictionRecord): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Creates the prediction log over the metadata database. */
export function createPredictionLog(db: Db, opts: PredictionLogOptions = {}, random: () => number = Math.random): PredictionLog {
  const rate = opts.sampleRate ?? 1;
  const redact = compileRedaction(opts.redact, opts.redactionSalt ?? randomBytes(32).toString('hex'));
  const batchRows = opts.batchRows ?? 256;
  let buf: unknown[][] = [];
  let writing: Promise<void> = Promise.resolve();
  const write = (): Promise<void> => {
    if (buf.length === 0) return writing;
    const rows = buf;
    buf = [];
    writing = writing
      .then(() =>
        db.runMany(
          `INSERT INTO predictions (request_id, model, version, at, latency_ms, status, predicted, input_json, output_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING`,
          rows,
        ),
      )
      .catch((e: unknown) => {
        // Logging must never take serving down; a failed batch is reported and dropped.
        process.emitWarning(`slipway: could not write ${rows.length} prediction log rows: ${(e as Error).message}`);
      });
    return writing;
  };
  const timer = setInterval(() => void write(), opts.flushMs ?? 500);
  timer.unref();
  const retention = opts.retentionMs;
  const purge = (): void => {
    if (retention === undefined) return;
    writing = writing
      .then(() => purgePredictions(db, retention))
      .then(
        () => undefined,
        (e: unknown) => process.emitWarning(`slipway: could not purge old predictions: ${(e as Error).message}`),
      );
  };
  purge();
  const purgeTimer = retention === undefined ? null : setInterval(purge, Math.max(1000, Math.min(retention / 10, 3_600_000)));
  purgeTimer?.unref();
  return {
    record(r) {
      if (rate < 1 && random() >= rate) return;
      const redacted = (f: (() => Record<string, unknown>) | null): string | null => {
        if (!f) return null;
        return JSON.stringify(redact(f()));
      };
      const inputs = opts.logInputs === false ? null : redacted(r.inputs);
      buf.push([r.requestId, r.model, r.version, r.at, r.latencyMs, r.status, r.predicted, inputs, redacted(r.outputs)]);
      if (buf.length >= batchRows) void write();
    },
    flush: write,
    async close() {
      clearInterval(timer);
      if (purgeTimer) clearInterval(purgeTimer);
      await write();
    },
  };
}
