import type { Signature } from '../engine/signature.js';

/** Model artifact formats the registry stores: the engine's folder or an ONNX file. */
export type ModelFormat = 'slipway' | 'onnx';

/** A dataset version a model was trained on. */
export interface LineageDataset {
  readonly dataset: string;
  readonly version: number;
  readonly treeHash: string;
}

/** Where a model version came from: its run (code commit, params), the data it read, and its parent version. */
export interface Lineage {
  readonly source: 'run' | 'path' | 'stage';
  /** The folder or file it was registered from (path registrations; the stage output's path for stage ones). */
  readonly path?: string;
  /** The pipeline stage whose output it is (stage registrations). */
  readonly stage?: string;
  readonly run?: {
    readonly id: string;
    readonly experiment: string;
    readonly commit: string | null;
    readonly dirty: boolean;
  };
  readonly datasets: readonly LineageDataset[];
  /** Metrics by the pipeline file they came from (pipeline registrations), so diffs compare file with file. */
  readonly metricsFiles?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The model's previous version when this one was registered (null for the first). */
  readonly parent: number | null;
}

/** One registered model version (`name@N`). */
export interface ModelVersion {
  readonly name: string;
  readonly version: number;
  readonly treeHash: string;
  readonly format: ModelFormat;
  readonly signature: Signature;
  readonly metrics: Readonly<Record<string, number>>;
  readonly params: Readonly<Record<string, string>>;
  readonly runId: string | null;
  readonly lineage: Lineage;
  readonly description: string | null;
  readonly createdAt: number;
}

/** A model with its latest version and aliases (what `models list` shows). */
export interface ModelSummary {
  readonly name: string;
  readonly description: string | null;
  readonly createdAt: number;
  readonly latestVersion: number | null;
  readonly versions: number;
  readonly aliases: Readonly<Record<string, number>>;
}

/** Where an alias points now. */
export interface AliasRecord {
  readonly model: string;
  readonly alias: string;
  readonly version: number;
  readonly updatedAt: number;
}

/** One alias move as recorded in the history (who, when, from, to, why, with which gate report). */
export interface AliasMove {
  readonly id: string;
  readonly model: string;
  readonly alias: string;
  readonly from: number | null;
  readonly to: number | null;
  readonly actor: string;
  readonly reason: string | null;
  readonly forced: boolean;
  readonly gateReportId: string | null;
  /** 'move' for a normal move or promotion, 'rollback' for `models rollback`. */
  readonly kind: 'move' | 'rollback';
  readonly at: number;
}
