import type { Db } from '../meta/index.js';
import { SlipwayError } from '../errors/index.js';
import { sameSignature } from '../engine/signature.js';
import { assertAliasName, type ModelRef } from './model-ref.js';
import { aliasVersion, getVersion } from './model-repository.js';
import { resolveModelRef } from './resolve-model.js';
import { setAlias } from './aliases.js';
import type { WebhookConfig, WebhookDelivery } from './webhooks.js';
import type { AliasMove, ModelVersion } from './types.js';

/** The outcome of the gates a promotion ran (the gates capability supplies it). */
export interface GateCheck {
  readonly passed: boolean;
  /** The stored gate report's id, linked from the alias history. */
  readonly reportId: string | null;
}

/** Options of `promote`. */
export interface PromoteOptions {
  readonly ref: string | ModelRef;
  readonly alias: string;
  readonly actor: string;
  readonly force?: boolean | undefined;
  readonly reason?: string | undefined;
  readonly allowSignatureChange?: boolean | undefined;
  /** Evaluates the candidate (and the alias' current version, for no-regression rules); omitted: no gates declared. */
  readonly checkGates?: ((candidate: ModelVersion, current: ModelVersion | null) => Promise<GateCheck>) | undefined;
  readonly webhooks?: readonly WebhookConfig[] | undefined;
  readonly onWebhookFailure?: ((d: WebhookDelivery) => void) | undefined;
}

/** What a promotion did. */
export interface PromoteResult {
  readonly move: AliasMove;
  readonly gates: GateCheck | null;
}

/**
 * Moves `alias` to the version `ref` names after its gates pass. Refuses (nothing moves) on an unknown version, a
 * signature change (unless allowed), failed gates (unless forced with a reason), or a concurrent move of the alias.
 */
export async function promote(db: Db, opts: PromoteOptions): Promise<PromoteResult> {
  assertAliasName(opts.alias);
  if (opts.force && !opts.reason?.trim())
    throw new SlipwayError('FORCE_NEEDS_REASON', `--force needs --reason "why" so the override is audited`, { alias: opts.alias });
  const candidate = await resolveModelRef(db, opts.ref);
  const currentVersion = await aliasVersion(db, candidate.name, opts.alias);
  const current = currentVersion === null ? null : await getVersion(db, candidate.name, currentVersion);
  if (current && !opts.allowSignatureChange && !sameSignature(current.signature, candidate.signature))
    throw new SlipwayError(
      'SIGNATURE_MISMATCH',
      `${candidate.name}@${candidate.version} has a different signature from ${candidate.name}:${opts.alias} (@${current.version}); clients would break. Pass --allow-signature-change if that is intended`,
      { model: candidate.name, version: candidate.version, current: current.version },
    );
  const gates = opts.checkGates ? await opts.checkGates(candidate, current) : null;
  if (gates && !gates.passed && !opts.force)
    throw new SlipwayError(
      'GATES_NOT_PASSED',
      `${candidate.name}@${candidate.version} failed its gates; ${opts.alias} stays at ${currentVersion ?? 'unset'} (see the report, or --force --reason)`,
      { model: candidate.name, version: candidate.version, gateReportId: gates.reportId },
    );
  const move = await setAlias(db, {
    model: candidate.name,
    alias: opts.alias,
    version: candidate.version,
    actor: opts.actor,
    reason: opts.reason,
    // Forced records only an override that mattered: gates that failed (or were skipped) but the move went ahead.
    force: Boolean(opts.force) && (!gates || !gates.passed),
    gateReportId: gates?.reportId ?? null,
    expected: currentVersion,
    webhooks: opts.webhooks,
    onWebhookFailure: opts.onWebhookFailure,
  });
  return { move, gates };
}
