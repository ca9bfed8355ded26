/** The shapes the REST API returns (a subset of src/ types, kept here so the UI bundle imports no server code). */
export interface RunRecord {
  readonly id: string;
  readonly experiment: string;
  readonly name: string | null;
  readonly kind: string;
  readonly status: 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';
  readonly startTime: number;
  readonly endTime: number | null;
  readonly parentRunId: string | null;
  readonly code: { readonly commit: string | null; readonly dirty: boolean; readonly diffHash: string | null };
  readonly env: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly inputs: readonly { readonly dataset: string; readonly version: number; readonly treeHash: string }[];
  readonly artifacts: readonly { readonly path: string; readonly hash: string; readonly size: number; readonly kind: 'file' | 'tree' }[];
}

export interface MetricPoint {
  readonly step: number;
  readonly ts: number;
  readonly value: number;
}

export interface RunKeys {
  readonly params: string[];
  readonly metrics: string[];
  readonly tags: string[];
}

export interface ModelSummary {
  readonly name: string;
  readonly description: string | null;
  readonly createdAt: number;
  readonly latestVersion: number | null;
  readonly versions: number;
  readonly aliases: Readonly<Record<string, number>>;
}

export interface ModelVersion {
  readonly name: string;
  readonly version: number;
  readonly treeHash: string;
  readonly format: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly params: Readonly<Record<string, string>>;
  readonly runId: string | null;
  readonly description: string | null;
  readonly createdAt: number;
}

export interface AliasRecord {
  readonly alias: string;
  readonly version: number;
  readonly updatedAt: number;
}

export interface AliasMove {
  readonly id: string;
  readonly alias: string;
  readonly from: number | null;
  readonly to: number | null;
  readonly actor: string;
  readonly reason: string | null;
  readonly forced: boolean;
  readonly gateReportId: string | null;
  readonly kind: 'move' | 'rollback';
  readonly at: number;
}

export interface GateResult {
  readonly gate: string;
  readonly rule: string;
  readonly value: number | null;
  readonly bound: string;
  readonly passed: boolean;
  readonly detail?: string;
}

export interface GateReport {
  readonly id: string | null;
  readonly version: number;
  readonly dataset: string;
  readonly rows: number;
  readonly passed: boolean;
  readonly results: readonly GateResult[];
  readonly createdAt: number;
}

export interface LineageGraph {
  readonly datasets: readonly { readonly name: string; readonly version: number; readonly treeHash?: string }[];
  readonly run: { readonly id: string; readonly experiment: string; readonly commit: string | null; readonly dirty: boolean } | null;
  readonly source: string | null;
  readonly model: { readonly name: string; readonly version: number; readonly treeHash: string; readonly parent: number | null };
  readonly aliases: readonly string[];
  /** Deployments serving the version, where the server knows them. */
  readonly deployments?: readonly { readonly name: string; readonly role?: string; readonly weight?: number }[];
}

export interface Histogram {
  readonly edges: number[];
  readonly counts: number[];
}

export interface ColumnProfile {
  readonly name: string;
  readonly type: string;
  readonly count: number;
  readonly missing: number;
  readonly distinct: number;
  readonly min?: number;
  readonly max?: number;
  readonly mean?: number;
  readonly std?: number;
  readonly histogram?: Histogram;
  readonly top?: { readonly value: string; readonly count: number }[];
}

export type FileProfile =
  | { readonly kind: 'csv'; readonly rows: number; readonly columns: ColumnProfile[] }
  | {
      readonly kind: 'idx';
      readonly dtype: string;
      readonly shape: number[];
      readonly min: number;
      readonly max: number;
      readonly mean: number;
      readonly labelHistogram?: Record<string, number>;
    };

export interface DatasetVersion {
  readonly name: string;
  readonly version: number;
  readonly treeHash: string;
  readonly files: number;
  readonly bytes: number;
  readonly message: string | null;
  readonly profile: { readonly files: Record<string, FileProfile>; readonly skipped: number } | null;
  readonly createdAt: number;
}

export interface StatDelta {
  readonly from: number | null;
  readonly to: number | null;
  readonly delta: number | null;
}

export interface DatasetDiff {
  readonly from: string;
  readonly to: string;
  readonly added: { readonly path: string; readonly size: number }[];
  readonly removed: { readonly path: string; readonly size: number }[];
  readonly changed: { readonly path: string; readonly sizeFrom: number; readonly sizeTo: number }[];
  readonly unchanged: number;
}

export interface PipelineStage {
  readonly name: string;
  readonly cmd: readonly string[];
  readonly deps: readonly string[];
  readonly outs: readonly string[];
  readonly upstream: readonly string[];
  readonly state: 'up_to_date' | 'stale' | 'frozen';
  readonly reasons: readonly { readonly kind: string; readonly message: string }[];
  readonly running: boolean;
  readonly lastRuns: readonly {
    readonly id: string;
    readonly status: string;
    readonly startTime: number;
    readonly endTime: number | null;
  }[];
}

export interface SeriesPoint {
  readonly t: number;
  readonly requests: number;
  readonly throughput: number;
  readonly errorRate: number;
  readonly latencyP50: number;
  readonly latencyP95: number;
  readonly accuracy: number | null;
  readonly f1: number | null;
  readonly labelled: number;
}

export interface MonitoringSnapshot {
  readonly model: string;
  readonly at: number;
  readonly report: {
    readonly requests: number;
    readonly requestRate: number;
    readonly errorRate: number;
    readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number };
    readonly quality: { readonly accuracy: number; readonly labelled: number } | null;
    readonly drift: {
      readonly status: string;
      readonly features: {
        readonly status: string;
        readonly drifted: number;
        readonly tested: number;
        readonly top: readonly {
          readonly feature: string;
          readonly ks: number;
          readonly pValue: number;
          readonly psi: number;
          readonly status: string;
        }[];
      } | null;
      readonly prediction: { readonly status: string; readonly psi: number; readonly pValue: number } | null;
    };
  };
  readonly series: {
    readonly from: number;
    readonly to: number;
    readonly bucketMs: number;
    readonly versions: readonly { readonly version: number | null; readonly points: readonly SeriesPoint[] }[];
  };
  readonly roles: Readonly<Record<string, string[]>>;
  readonly alerts: readonly {
    readonly name: string;
    readonly rule: string;
    readonly value: number | null;
    readonly bound: number;
    readonly fired: boolean;
    readonly skipped?: string;
  }[];
}
