import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/index.js';

/** One measured rule of a step's analysis: the value, its bound, and whether it held. */
export interface AnalysisCheck {
  readonly rule: string;
  /** null when there was too little data to measure it (the check is then skipped, `passed` true). */
  readonly value: number | null;
  readonly bound: number;
  readonly passed: boolean;
  readonly note?: string;
}

/** What the controller decided at the end of a window, with the figures it decided on. */
export interface RolloutDecision {
  readonly at: number;
  readonly step: number;
  readonly weight: number;
  readonly window: { readonly from: number; readonly to: number };
  readonly verdict: 'pass' | 'fail' | 'wait';
  readonly action: 'next_step' | 'promote' | 'rollback' | 'extend' | 'manual_promote' | 'abort';
  readonly checks: readonly AnalysisCheck[];
  readonly actor: string;
}

/** Where a rollout is. */
export type RolloutPhase = 'progressing' | 'paused' | 'promoted' | 'rolled_back' | 'aborted';

/** A deployment's rollout, as persisted in `.slipway/rollouts/NAME.json` (written atomically by the controller). */
export interface RolloutState {
  readonly deployment: string;
  readonly model: string;
  readonly stableAlias: string;
  readonly stableVersion: number;
  readonly canaryVersion: number;
  readonly shadowVersion: number | null;
  readonly phase: RolloutPhase;
  readonly steps: readonly number[];
  /** Index into `steps` of the current step. */
  readonly step: number;
  /** Canary traffic share now, percent (0 after a rollback or abort). */
  readonly weight: number;
  readonly intervalMs: number;
  readonly stepStartedAt: number;
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly gateReportId: string | null;
  readonly decisions: readonly RolloutDecision[];
  /** Why it ended (rollback's failed rules, an abort's reason). */
  readonly reason: string | null;
}

/** The file a deployment's rollout state lives in. */
export function rolloutStatePath(stateDir: string, deployment: string): string {
  return join(stateDir, 'rollouts', `${deployment}.json`);
}

/** Reads a deployment's rollout state; undefined when none was ever started. */
export function readRolloutState(stateDir: string, deployment: string): RolloutState | undefined {
  const p = rolloutStatePath(stateDir, deployment);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as RolloutState;
  } catch {
    return undefined; // written atomically, so only a foreign file can be unreadable
  }
}

/** Persists a rollout state (temp file, fsync, rename). */
export function writeRolloutState(stateDir: string, st: RolloutState): void {
  mkdirSync(join(stateDir, 'rollouts'), { recursive: true });
  writeFileAtomic(rolloutStatePath(stateDir, st.deployment), `${JSON.stringify(st, null, 2)}\n`);
}

/** True while the canary takes (or may take again) traffic. */
export function isActive(st: RolloutState | undefined): boolean {
  return st !== undefined && (st.phase === 'progressing' || st.phase === 'paused');
}
