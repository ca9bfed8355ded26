import type { DeploymentConfig } from '../config/index.js';
import { SlipwayError } from '../errors/index.js';
import type { Db } from '../meta/index.js';
import { recordAudit } from '../access/index.js';
import { deliverWebhooks, listAliases, resolveModelRef, setAlias } from '../registry/index.js';
import { parseWindow } from '../monitoring/index.js';
import { analyseStep } from './analysis.js';
import { isActive, readRolloutState, writeRolloutState, type RolloutDecision, type RolloutState } from './rollout-state.js';

/** The serving side a controller steers (the model server's ModelSet satisfies it). */
export interface TrafficControl {
  setPlan(
    model: string,
    plan:
      | {
          readonly stableLabel: string;
          readonly canary?: { readonly version: number; readonly weight: number };
          readonly shadow?: { readonly version: number };
          readonly allowSignatureChange?: boolean;
        }
      | undefined,
  ): Promise<void>;
  /** Re-resolves aliases now (after the stable alias moved). */
  refresh(): Promise<unknown>;
}

/** What a controller needs. */
export interface RolloutControllerOptions {
  readonly db: Db;
  readonly stateDir: string;
  readonly deployments: () => Readonly<Record<string, DeploymentConfig>>;
  /** The server to steer; without one (a CLI that only edits state) weights take effect when a server applies them. */
  readonly traffic?: TrafficControl;
  /** Gates of a candidate before it gets any traffic (the gates capability supplies it); omitted: none declared. */
  readonly checkGates?: (model: string, version: number) => Promise<{ passed: boolean; reportId: string | null }>;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

/** A rollout controller: starts, walks, promotes and rolls back the deployments' canaries. */
export interface RolloutController {
  start(deployment: string, opts?: { canary?: number | string; actor?: string; force?: boolean; reason?: string }): Promise<RolloutState>;
  status(deployment: string): RolloutState | undefined;
  pause(deployment: string, actor?: string): Promise<RolloutState>;
  resume(deployment: string, actor?: string): Promise<RolloutState>;
  /** Skips the remaining steps: moves the stable alias to the canary now. */
  promote(deployment: string, actor?: string): Promise<RolloutState>;
  abort(deployment: string, actor?: string, reason?: string): Promise<RolloutState>;
  /** Judges every progressing rollout whose window has closed; returns the decisions taken. */
  tick(): Promise<RolloutDecision[]>;
  /** Re-applies the persisted plans to the server (after a restart). */
  restore(): Promise<void>;
  /** Ticks every `everyMs` until the returned stop() is called. */
  run(everyMs?: number): { stop(): Promise<void> };
}

/** The actor recorded for the controller's own decisions. */
export const ROLLOUT_ACTOR = 'rollout';

/** Creates a controller over the workspace state folder (one state file per deployment). */
export function createRolloutController(o: RolloutControllerOptions): RolloutController {
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => undefined);
  // One operation at a time: the ticker and API calls never interleave their read-modify-write of a state.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn);
    chain = p.catch(() => undefined);
    return p;
  };

  const config = (name: string): DeploymentConfig => {
    const d = o.deployments()[name];
    if (!d)
      throw new SlipwayError(
        'DEPLOYMENT_NOT_FOUND',
        `no deployment "${name}" in slipway.yaml (deployments: ${Object.keys(o.deployments()).join(', ') || 'none'})`,
        {
          deployment: name,
        },
      );
    return d;
  };
  const versionOf = async (model: string, v: number | string): Promise<number> =>
    (await resolveModelRef(o.db, typeof v === 'number' ? `${model}@${v}` : `${model}:${v}`)).version;
  const active = (name: string): RolloutState => {
    const st = readRolloutState(o.stateDir, name);
    if (!st || !isActive(st))
      throw new SlipwayError(
        'ROLLOUT_STATE_INVALID',
        `deployment "${name}" has no rollout in progress (${st ? st.phase : 'never started'}); start one with \`slipway rollout start ${name}\``,
        {
          deployment: name,
          phase: st?.phase ?? null,
        },
      );
    return st;
  };
  const apply = async (st: RolloutState, d: DeploymentConfig): Promise<void> => {
    if (!o.traffic) return;
    const live = isActive(st);
    // An ended rollout leaves no plan: every request goes to the stable alias again.
    if (!live) return o.traffic.setPlan(st.model, undefined);
    await o.traffic.setPlan(st.model, {
      stableLabel: st.stableAlias,
      // A paused rollout keeps its weight (pausing stops the walk, not the traffic); an ended one has none.
      ...(live ? { canary: { version: st.canaryVersion, weight: st.weight } } : {}),
      ...(st.shadowVersion !== null && live ? { shadow: { version: st.shadowVersion } } : {}),
      allowSignatureChange: d.allow_signature_change,
    });
  };
  const save = (st: RolloutState): RolloutState => {
    writeRolloutState(o.stateDir, st);
    return st;
  };
  const audit = (action: string, st: RolloutState, actor: string, change: unknown): Promise<unknown> =>
    recordAudit(o.db, { actor, source: 'rollout', action, target: `deployment:${st.deployment}`, change });
  const notify = async (d: DeploymentConfig, event: string, st: RolloutState, extra: Record<string, unknown>): Promise<void> => {
    if (!d.webhook) return;
    await deliverWebhooks(o.db, [{ url: d.webhook.url, secret: d.webhook.secret }], event, st.model, {
      deployment: st.deployment,
      model: st.model,
      stable: st.stableVersion,
      canary: st.canaryVersion,
      weight: st.weight,
      at: now(),
      ...extra,
    });
  };

  const rollback = async (st: RolloutState, d: DeploymentConfig, decision: RolloutDecision): Promise<RolloutState> => {
    const failed = decision.checks.filter((c) => !c.passed);
    const reason = failed.map((c) => `${c.rule} ${c.value === null ? '—' : c.value.toPrecision(4)} > ${c.bound}`).join('; ');
    // Weight 0 first, in memory and on the server, before anything that may take time (audit, webhook).
    const next = save({ ...st, phase: 'rolled_back', weight: 0, updatedAt: now(), decisions: [...st.decisions, decision], reason });
    await apply(next, d);
    log(`${st.deployment}: rolled back ${st.model}@${st.canaryVersion} at ${st.weight}% (${reason})`);
    await audit('rollout.rollback', next, decision.actor, {
      canary: st.canaryVersion,
      stable: st.stableVersion,
      weight: st.weight,
      checks: decision.checks,
    });
    await notify(d, 'rollout.rollback', next, { reason, checks: decision.checks });
    return next;
  };

  const promoteNow = async (st: RolloutState, d: DeploymentConfig, decision: RolloutDecision): Promise<RolloutState> => {
    // Route everything to the canary while the alias moves, so no request meets a half-swapped server.
    if (o.traffic)
      await o.traffic.setPlan(st.model, {
        stableLabel: st.stableAlias,
        canary: { version: st.canaryVersion, weight: 100 },
        allowSignatureChange: d.allow_signature_change,
      });
    await setAlias(o.db, {
      model: st.model,
      alias: st.stableAlias,
      version: st.canaryVersion,
      actor: decision.actor,
      source: 'rollout',
      reason: `rollout of deployment ${st.deployment}: ${decision.checks.map((c) => `${c.rule}=${c.value === null ? '—' : c.value.toPrecision(4)} (bound ${c.bound})`).join(', ') || 'promoted by hand'}`,
      gateReportId: st.gateReportId,
      expected: st.stableVersion,
    });
    const next = save({ ...st, phase: 'promoted', weight: 100, updatedAt: now(), decisions: [...st.decisions, decision], reason: null });
    if (o.traffic) {
      await o.traffic.refresh();
      await o.traffic.setPlan(st.model, undefined);
    }
    log(`${st.deployment}: promoted ${st.model}@${st.canaryVersion} to ${st.stableAlias}`);
    await audit('rollout.promote', next, decision.actor, { canary: st.canaryVersion, stable: st.stableVersion, checks: decision.checks });
    await notify(d, 'rollout.promote', next, { checks: decision.checks });
    return next;
  };

  const judge = async (name: string): Promise<RolloutDecision | null> => {
    const st = readRolloutState(o.stateDir, name);
    if (!st || st.phase !== 'progressing') return null;
    const t = now();
    if (t < st.stepStartedAt + st.intervalMs) return null;
    const d = config(name);
    const window = { from: st.stepStartedAt, to: t };
    const a = await analyseStep(
      o.db,
      d.analysis,
      st.model,
      { stable: st.stableVersion, canary: st.canaryVersion, shadow: st.shadowVersion },
      window.from,
      window.to,
      st.startedAt,
    );
    const last = st.step >= st.steps.length - 1;
    const decision: RolloutDecision = {
      at: t,
      step: st.step,
      weight: st.weight,
      window,
      verdict: a.verdict,
      action: a.verdict === 'fail' ? 'rollback' : a.verdict === 'wait' ? 'extend' : last ? 'promote' : 'next_step',
      checks: a.checks,
      actor: ROLLOUT_ACTOR,
    };
    if (a.verdict === 'fail') await rollback(st, d, decision);
    else if (a.verdict === 'wait') {
      // Too little traffic to judge: the window grows until it has enough (the decision is kept for the record).
      save({ ...st, updatedAt: t, decisions: [...st.decisions.filter((x) => !(x.step === st.step && x.action === 'extend')), decision] });
    } else if (last) await promoteNow(st, d, decision);
    else {
      const next = save({
        ...st,
        step: st.step + 1,
        weight: st.steps[st.step + 1]!,
        stepStartedAt: t,
        updatedAt: t,
        decisions: [...st.decisions, decision],
      });
      await apply(next, d);
      log(`${name}: step ${st.step + 1} passed; canary ${st.model}@${st.canaryVersion} now at ${next.weight}%`);
    }
    return decision;
  };

  return {
    start: (name, opts = {}) =>
      serial(async () => {
        const d = config(name);
        if (!d.canary && opts.canary === undefined)
          throw new SlipwayError(
            'DEPLOYMENT_INVALID',
            `deployment "${name}" has no canary; add deployments.${name}.canary or pass --canary VERSION`,
            { deployment: name },
          );
        const prev = readRolloutState(o.stateDir, name);
        if (isActive(prev))
          throw new SlipwayError(
            'ROLLOUT_STATE_INVALID',
            `deployment "${name}" already has a rollout ${prev!.phase} (canary @${prev!.canaryVersion}); abort it first`,
            { deployment: name },
          );
        const stable = (await listAliases(o.db, d.model)).find((a) => a.alias === d.stable)?.version ?? null;
        if (stable === null)
          throw new SlipwayError(
            'DEPLOYMENT_INVALID',
            `${d.model}:${d.stable} is not set; promote a first version with \`slipway models promote ${d.model}@N --to ${d.stable}\``,
            { deployment: name },
          );
        const canary = await versionOf(d.model, opts.canary ?? d.canary!.version);
        if (canary === stable)
          throw new SlipwayError(
            'DEPLOYMENT_INVALID',
            `the canary ${d.model}@${canary} is already ${d.stable}; register or name a new version`,
            { deployment: name },
          );
        const shadow = d.shadow ? await versionOf(d.model, d.shadow.version) : null;
        if (opts.force && !opts.reason?.trim())
          throw new SlipwayError('FORCE_NEEDS_REASON', '--force needs --reason "why" so the override is audited', { deployment: name });
        const gates = o.checkGates ? await o.checkGates(d.model, canary) : null;
        if (gates && !gates.passed && !opts.force)
          throw new SlipwayError(
            'GATES_NOT_PASSED',
            `${d.model}@${canary} failed its gates, so it gets no traffic (see the gate report, or --force --reason)`,
            {
              model: d.model,
              version: canary,
              gateReportId: gates.reportId,
            },
          );
        const steps = d.canary?.steps ?? [10, 25, 50, 100];
        const t = now();
        const st: RolloutState = {
          deployment: name,
          model: d.model,
          stableAlias: d.stable,
          stableVersion: stable,
          canaryVersion: canary,
          shadowVersion: shadow,
          phase: 'progressing',
          steps,
          step: 0,
          weight: steps[0]!,
          intervalMs: parseWindow(d.canary?.interval ?? '1m'),
          stepStartedAt: t,
          startedAt: t,
          updatedAt: t,
          gateReportId: gates?.reportId ?? null,
          decisions: [],
          reason: opts.force ? `forced: ${opts.reason}` : null,
        };
        // The server loads, checks and smoke-predicts the canary before the state says it takes traffic.
        await apply(st, d);
        save(st);
        await audit('rollout.start', st, opts.actor ?? ROLLOUT_ACTOR, {
          canary,
          stable,
          shadow,
          steps,
          forced: Boolean(opts.force),
          reason: opts.reason ?? null,
        });
        log(`${name}: canary ${d.model}@${canary} at ${st.weight}% beside ${d.stable} @${stable}`);
        return st;
      }),
    status: (name) => readRolloutState(o.stateDir, name),
    pause: (name, actor = ROLLOUT_ACTOR) =>
      serial(async () => {
        const st = active(name);
        if (st.phase === 'paused') return st;
        const next = save({ ...st, phase: 'paused', updatedAt: now() });
        await audit('rollout.pause', next, actor, { weight: st.weight });
        return next;
      }),
    resume: (name, actor = ROLLOUT_ACTOR) =>
      serial(async () => {
        const st = active(name);
        if (st.phase !== 'paused')
          throw new SlipwayError('ROLLOUT_STATE_INVALID', `the rollout of "${name}" is not paused`, { deployment: name });
        // The window restarts: figures from before the pause do not count for this step.
        const next = save({ ...st, phase: 'progressing', stepStartedAt: now(), updatedAt: now() });
        await audit('rollout.resume', next, actor, { weight: st.weight });
        return next;
      }),
    promote: (name, actor = ROLLOUT_ACTOR) =>
      serial(async () => {
        const st = active(name);
        const t = now();
        return promoteNow(st, config(name), {
          at: t,
          step: st.step,
          weight: st.weight,
          window: { from: st.stepStartedAt, to: t },
          verdict: 'pass',
          action: 'manual_promote',
          checks: [],
          actor,
        });
      }),
    abort: (name, actor = ROLLOUT_ACTOR, reason = 'aborted by hand') =>
      serial(async () => {
        const st = active(name);
        const d = config(name);
        const t = now();
        const next = save({
          ...st,
          phase: 'aborted',
          weight: 0,
          updatedAt: t,
          reason,
          decisions: [
            ...st.decisions,
            {
              at: t,
              step: st.step,
              weight: st.weight,
              window: { from: st.stepStartedAt, to: t },
              verdict: 'fail',
              action: 'abort',
              checks: [],
              actor,
            },
          ],
        });
        await apply(next, d);
        await audit('rollout.abort', next, actor, { canary: st.canaryVersion, weight: st.weight, reason });
        await notify(d, 'rollout.abort', next, { reason });
        return next;
      }),
    tick: () =>
      serial(async () => {
        const out: RolloutDecision[] = [];
        for (const name of Object.keys(o.deployments())) {
          try {
            const dcs = await judge(name);
            if (dcs) out.push(dcs);
          } catch (e) {
            log(`${name}: analysis failed: ${(e as Error).message}`);
          }
        }
        return out;
      }),
    restore: () =>
      serial(async () => {
        for (const [name, d] of Object.entries(o.deployments())) {
          const st = readRolloutState(o.stateDir, name);
          if (!isActive(st)) continue;
          try {
            await apply(st!, d);
          } catch (e) {
            log(`${name}: could not restore the canary plan: ${(e as Error).message}`);
          }
        }
      }),
    run(everyMs = 200) {
      let stopped = false;
      let current: Promise<unknown> = Promise.resolve();
      const timer = setInterval(() => {
        if (stopped) return;
        current = this.tick();
      }, everyMs);
      timer.unref();
      return {
        async stop() {
          stopped = true;
          clearInterval(timer);
          await current.catch(() => undefined);
        },
      };
    },
  };
}
