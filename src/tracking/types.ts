/** A param value as logged; stored as text, compared numerically when both sides parse as numbers. */
export type ParamValue = string | number | boolean;

/** Final states of a run (MLflow's names). */
export type RunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

/** A dataset version a run read. */
export interface DatasetInput {
  readonly dataset: string;
  readonly version: number;
  readonly treeHash: string;
}

/** A live run. Metric logging is buffered and flushed in batches; `end` flushes. */
export interface Run {
  readonly id: string;
  readonly experiment: string;
  logParams(params: Readonly<Record<string, ParamValue>>): Promise<void>;
  /** Buffers one metric point; `step` defaults to a per-key counter. Never blocks. */
  logMetric(key: string, value: number, step?: number): void;
  logMetrics(values: Readonly<Record<string, number>>, step?: number): void;
  /** Stores a file or folder in the content-addressed store and attaches it under `name` (default: its base name). */
  logArtifact(path: string, name?: string): Promise<{ hash: string; size: number }>;
  logInput(input: DatasetInput): Promise<void>;
  setTags(tags: Readonly<Record<string, string>>): Promise<void>;
  flush(): Promise<void>;
  end(status?: Exclude<RunStatus, 'RUNNING'>): Promise<void>;
}

/** A run as read back. */
export interface RunRecord {
  readonly id: string;
  readonly experiment: string;
  readonly name: string | null;
  readonly kind: string;
  readonly status: RunStatus;
  readonly startTime: number;
  readonly endTime: number | null;
  readonly parentRunId: string | null;
  readonly code: { readonly commit: string | null; readonly dirty: boolean; readonly diffHash: string | null };
  readonly env: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  /** Latest value of each metric. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly inputs: readonly DatasetInput[];
  readonly artifacts: readonly { readonly path: string; readonly hash: string; readonly size: number; readonly kind: 'file' | 'tree' }[];
}

/** One point of a metric's history. */
export interface MetricPoint {
  readonly step: number;
  readonly ts: number;
  readonly value: number;
}
