import type { CodeVersion } from './code-version.js';
import type { DatasetInput, MetricPoint, RunRecord, RunStatus } from './types.js';

/** Everything recorded when a run starts. */
export interface CreateRunInput {
  readonly experiment: string;
  readonly name?: string | undefined;
  readonly kind?: string | undefined;
  readonly parentRunId?: string | undefined;
  readonly params?: Readonly<Record<string, string>> | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly inputs?: readonly DatasetInput[] | undefined;
  readonly code?: CodeVersion | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly startTime?: number | undefined;
}

/** One metric point as written (MLflow's log-batch shape). */
export interface MetricRow {
  readonly key: string;
  readonly value: number;
  readonly step: number;
  readonly timestamp: number;
}

/** A batch of writes to one run. */
export interface LogBatch {
  readonly metrics?: readonly MetricRow[] | undefined;
  readonly params?: Readonly<Record<string, string>> | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/** An artifact as attached to a run. */
export interface ArtifactRecord {
  readonly path: string;
  readonly hash: string;
  readonly size: number;
  readonly kind: 'file' | 'tree';
}

/** Query for `listRuns`: `where` like "metrics.accuracy > 0.9 and params.lr = 0.01", `orderBy` like "metrics.accuracy desc". */
export interface RunQuery {
  readonly experiment?: string | undefined;
  readonly status?: RunStatus | undefined;
  readonly where?: string | undefined;
  readonly orderBy?: string | undefined;
  readonly limit?: number | undefined;
  /** Rows to skip before the first one returned (paging; default 0). */
  readonly offset?: number | undefined;
}

/** Paging for a metric history. */
export interface HistoryPage {
  readonly offset?: number | undefined;
  readonly limit?: number | undefined;
}

/** Where the SDK sends runs: the local workspace (db + store) or a control-plane server over HTTP. */
export interface TrackingBackend {
  readonly kind: 'local' | 'http';
  createRun(input: CreateRunInput): Promise<{ id: string; experiment: string }>;
  logBatch(runId: string, batch: LogBatch): Promise<void>;
  /** Stores a file (→ object) or folder (→ tree) and attaches it to the run under `name`. */
  logArtifact(runId: string, path: string, name: string): Promise<ArtifactRecord>;
  logInput(runId: string, input: DatasetInput): Promise<void>;
  endRun(runId: string, status: Exclude<RunStatus, 'RUNNING'>): Promise<void>;
  getRun(runId: string): Promise<RunRecord>;
  listRuns(query: RunQuery): Promise<RunRecord[]>;
  metricHistory(runId: string, key: string, page?: HistoryPage): Promise<MetricPoint[]>;
  /** Releases what the backend opened itself (never a db or store it was given). */
  close(): Promise<void>;
}
