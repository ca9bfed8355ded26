import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sweepSchema, type SweepConfig } from '../../src/config/index.js';
import { ashaShouldStop, rungOf, runSweep, readSweepState, type Rungs, type TrialContext } from '../../src/tuning/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

const cfg = (c: unknown): SweepConfig => sweepSchema.parse(c);

test('ASHA rungs: min_iter·eta^k; the first trial at a rung goes on, then only the top 1/eta', () => {
  const o = { minIter: 1, eta: 3, maximize: true };
  assert.deepEqual(
    [0, 1, 2, 3, 8, 9, 27].map((s) => rungOf(s, o)),
    [-1, 0, 0, 1, 1, 2, 3],
  );
  const rungs: Rungs = new Map();
  assert.equal(ashaShouldStop(rungs, 'a', 1, 0.5, o), false); // alone: it is the best
  assert.equal(ashaShouldStop(rungs, 'b', 1, 0.4, o), true); // 2 seen, keep 1: b is worse
  assert.equal(ashaShouldStop(rungs, 'c', 1, 0.9, o), false);
  assert.equal(ashaShouldStop(rungs, 'a', 2, 0.1, o), false); // same rung again: judged once
  assert.equal(ashaShouldStop(rungs, 'd', 1, 0.6, o), true); // 4 seen, keep 1 (0.9)
  assert.equal(ashaShouldStop(rungs, 'e', 1, Number.NaN, o), true);
});

/** A trial that "trains" for `epochs` steps, reporting a learning curve that converges to `final`. */
function curveObjective(finalOf: (p: Record<string, unknown>) => number, epochs: number, ran: number[]) {
  return async (p: Readonly<Record<string, unknown>>, ctx: TrialContext): Promise<number> => {
    const final = finalOf(p as Record<string, unknown>);
    let steps = 0;
    for (let e = 1; e <= epochs; e++) {
      await new Promise((r) => setImmediate(r));
      if (ctx.signal.aborted) break;
      steps++;
      if (ctx.report(e, final * (1 - 0.5 ** e))) break;
    }
    ran.push(steps);
    return final * (1 - 0.5 ** epochs);
  };
}

test('ASHA stops bad trials early: the best trial survives and most of the epochs are saved', async () => {
  // A shuffled order, as trials arrive in a real sweep (ascending order would be ASHA's worst case: each newcomer the best).
  const parameters = { q: { values: [0.5, 0.2, 0.7, 0.1, 0.9, 0.3, 0.4, 0.8, 0.6] } };
  const full: number[] = [];
  const fullState = await runSweep({
    name: 'full',
    config: cfg({ method: 'grid', metric: { name: 'acc' }, parameters }),
    objective: curveObjective((p) => p.q as number, 27, full),
  });
  const pruned: number[] = [];
  const ashaState = await runSweep({
    name: 'asha',
    config: cfg({ method: 'grid', metric: { name: 'acc' }, parameters, early_terminate: { type: 'hyperband', min_iter: 1, eta: 3 } }),
    objective: curveObjective((p) => p.q as number, 27, pruned),
  });
  const best = (s: typeof fullState): unknown =>
    s.trials.filter((t) => t.status === 'succeeded').sort((a, b) => b.value! - a.value!)[0]!.params;
  assert.deepEqual(best(ashaState), best(fullState));
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  assert.ok(sum(pruned) <= 0.5 * sum(full), `ASHA ran ${sum(pruned)} of ${sum(full)} epochs`);
  assert.ok(ashaState.trials.some((t) => t.status === 'pruned'));
});

test('a crashing trial is recorded as failed and the sweep goes on; a killed sweep resumes without repeating finished trials', async () => {
  const t = tempDir();
  try {
    const statePath = join(t.dir, 'sweeps', 's', 'state.json');
    const config = cfg({
      method: 'random',
      metric: { name: 'f', goal: 'minimize' },
      parameters: { x: { distribution: 'uniform', min: 0, max: 1 } },
      run_cap: 6,
      seed: 4,
    });
    const calls: number[] = [];
    const kill = new AbortController();
    // First run: trial 1 crashes; the "process" is killed while trial 3 runs.
    await runSweep({
      name: 's',
      config,
      statePath,
      signal: kill.signal,
      objective: async (p, ctx) => {
        calls.push(ctx.trial.number);
        if (ctx.trial.number === 1) throw new Error('trial crashed');
        if (ctx.trial.number === 3) {
          kill.abort();
          throw new Error('killed');
        }
        return p.x as number;
      },
    });
    const killed = readSweepState(statePath)!;
    assert.deepEqual(
      killed.trials.map((x) => x.status),
      ['succeeded', 'failed', 'succeeded', 'running'],
    );
    const params3 = killed.trials[3]!.params;
    // Resume: trial 3 runs again with the same params, then 4 and 5; 0–2 are not repeated.
    const again: number[] = [];
    const resumed = await runSweep({
      name: 's',
      config,
      statePath,
      objective: async (p, ctx) => {
        again.push(ctx.trial.number);
        return p.x as number;
      },
    });
    assert.deepEqual(again, [3, 4, 5]);
    assert.deepEqual(resumed.trials[3]!.params, params3);
    assert.equal(resumed.trials[3]!.name, 's-t3-a2');
    assert.deepEqual(
      resumed.trials.map((x) => x.status),
      ['succeeded', 'failed', 'succeeded', 'succeeded', 'succeeded', 'succeeded'],
    );
    assert.match(resumed.trials[1]!.error!, /crashed/);
  } finally {
    t.cleanup();
  }
});
