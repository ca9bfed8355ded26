import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sweepSchema, type SweepConfig } from '../../src/config/index.js';
import { gridPoints, parseSpace, runSweep, sampleUniform, tpeGamma, bestTrial, type ParamValue } from '../../src/tuning/index.js';
import { createRng } from '../../src/engine/index.js';
import { isSlipwayError } from '../../src/errors/index.js';

const cfg = (c: unknown): SweepConfig => sweepSchema.parse(c);

/** A known optimum: x* = 0.3, lr* = 1e-2 (in log10); f = 0 there. */
function bowl(p: Readonly<Record<string, ParamValue>>): number {
  const x = p.x as number;
  const lr = Math.log10(p.lr as number);
  return (x - 0.3) ** 2 + 0.5 * (lr + 2) ** 2;
}
const space = {
  x: { distribution: 'uniform', min: -2, max: 2 },
  lr: { distribution: 'log_uniform_values', min: 1e-5, max: 1 },
};

async function bestOf(method: 'random' | 'tpe', seed: number, trials: number): Promise<number> {
  const state = await runSweep({
    name: 's',
    config: cfg({ method, metric: { name: 'f', goal: 'minimize' }, parameters: space, run_cap: trials, seed }),
    objective: async (p) => bowl(p),
  });
  return bestTrial(state)!.value!;
}

test('spaces: int_uniform gives every integer in range, log-uniform stays in bounds, q_uniform rounds, grid is the product', () => {
  const dims = parseSpace({
    n: { distribution: 'int_uniform', min: 1, max: 3 },
    lr: { distribution: 'log_uniform_values', min: 1e-4, max: 1e-1 },
    q: { distribution: 'q_uniform', min: 0, max: 1, q: 0.25 },
  });
  const rng = createRng(3);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const [n, lr, q] = dims.map((d) => sampleUniform(d, rng)) as number[];
    seen.add(n!);
    assert.ok(lr! >= 1e-4 && lr! <= 1e-1);
    assert.equal(Math.round(q! * 4), q! * 4);
  }
  assert.deepEqual([...seen].sort(), [1, 2, 3]);
  assert.deepEqual(gridPoints(parseSpace({ a: { values: [1, 2] }, b: { values: ['x', 'y'] }, c: { value: true } })), [
    { a: 1, b: 'x', c: true },
    { a: 1, b: 'y', c: true },
    { a: 2, b: 'x', c: true },
    { a: 2, b: 'y', c: true },
  ]);
  assert.throws(
    () => gridPoints(dims),
    (e) => isSlipwayError(e) && e.code === 'CONFIG_INVALID',
  );
  assert.throws(() =>
    sweepSchema.parse({ metric: { name: 'f' }, parameters: { lr: { distribution: 'log_uniform_values', min: 0, max: 1 } } }),
  );
  assert.equal(tpeGamma(10), 1);
  assert.equal(tpeGamma(1000), 25);
});

test('grid runs every point once; random and TPE are reproducible with a seed', async () => {
  const seenPoints: string[] = [];
  const grid = await runSweep({
    name: 'g',
    config: cfg({
      method: 'grid',
      metric: { name: 'f', goal: 'maximize' },
      parameters: { a: { values: [1, 2, 3] }, b: { values: [10, 20] } },
    }),
    objective: async (p) => {
      seenPoints.push(JSON.stringify(p));
      return (p.a as number) * (p.b as number);
    },
  });
  assert.equal(new Set(seenPoints).size, 6);
  assert.deepEqual(bestTrial(grid)!.params, { a: 3, b: 20 });
  const a = await runSweep({
    name: 'r',
    config: cfg({ method: 'tpe', metric: { name: 'f', goal: 'minimize' }, parameters: space, run_cap: 15, seed: 9 }),
    objective: async (p) => bowl(p),
  });
  const b = await runSweep({
    name: 'r',
    config: cfg({ method: 'tpe', metric: { name: 'f', goal: 'minimize' }, parameters: space, run_cap: 15, seed: 9 }),
    objective: async (p) => bowl(p),
  });
  assert.deepEqual(
    a.trials.map((t) => t.params),
    b.trials.map((t) => t.params),
  );
});

test('TPE finds the known optimum and beats random search at the same budget (mean over 5 seeds)', async () => {
  const tpe: number[] = [];
  const random: number[] = [];
  for (let seed = 1; seed <= 5; seed++) {
    tpe.push(await bestOf('tpe', seed, 60));
    random.push(await bestOf('random', seed, 60));
  }
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(mean(tpe) < 0.05, `TPE's mean best ${mean(tpe)} is not near the optimum 0`);
  assert.ok(mean(tpe) < mean(random), `TPE ${mean(tpe)} vs random ${mean(random)}`);
});

test('TPE learns a categorical choice: after the random start-up it mostly proposes the best one', async () => {
  const cost: Record<string, number> = { a: 1, b: 0, c: 1.2, d: 0.8 };
  const state = await runSweep({
    name: 'c',
    config: cfg({
      method: 'tpe',
      metric: { name: 'f', goal: 'minimize' },
      parameters: { kind: { values: ['a', 'b', 'c', 'd'] }, x: { distribution: 'uniform', min: 0, max: 1 } },
      run_cap: 40,
      seed: 2,
    }),
    objective: async (p) => cost[p.kind as string]! + 0.1 * (p.x as number),
  });
  const late = state.trials.slice(20).filter((t) => t.params.kind === 'b').length;
  assert.ok(late >= 12, `only ${late} of the last 20 trials chose the best category`);
});
