// Sweeps on the breast-cancer model (issue 22): TPE against random search at the same budget (30 trials, 5 seeds),
// and ASHA early stopping against the same sweep run in full. Trials train in-process with the engine (a dense net,
// held-out accuracy on rows 455–568), so the comparison measures the search, not process start-up.
// Run: node --import tsx bench/sweep.ts
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { adam, dense, sequential, tensor } from '../src/engine/index.js';
import { featureStats, standardize } from '../src/engine/standardize.js';
import { readCsvTable } from '../src/data/index.js';
import { sweepSchema } from '../src/config/index.js';
import { runSweep, bestTrial, type Objective, type SweepState } from '../src/tuning/index.js';
import { alternate, median } from './alternate.js';

const root = join(import.meta.dirname, '..');
const csv = [
  join(root, '..', 'shared', 'data', 'tabular', 'breast_cancer.csv'),
  join(root, 'test', 'fixtures', 'tabular', 'breast_cancer.csv'),
].find(existsSync)!;
const table = await readCsvTable(csv);
const cols = table.features.length;
const TRAIN = 455;
const stats = featureStats(table.x.subarray(0, TRAIN * cols), TRAIN, cols);
const xAll = standardize(table.x, stats);
const xTrain = tensor(xAll.slice(0, TRAIN * cols), [TRAIN, cols]);
const yTrain = tensor(table.y!.slice(0, TRAIN), [TRAIN, 1]);
const nVal = table.rows - TRAIN;
const xVal = tensor(xAll.slice(TRAIN * cols), [nVal, cols]);
const yVal = table.y!.slice(TRAIN);

function valAccuracy(model: ReturnType<typeof sequential>): number {
  const p = model.predict(xVal).data;
  let ok = 0;
  for (let i = 0; i < nVal; i++) if ((p[i]! >= 0.5 ? 1 : 0) === yVal[i]) ok++;
  return ok / nVal;
}

/** Mean binary cross-entropy on the held-out rows: a continuous score, where accuracy on 114 rows moves in steps. */
function valLoss(model: ReturnType<typeof sequential>): number {
  const p = model.predict(xVal).data;
  let sum = 0;
  for (let i = 0; i < nVal; i++) {
    const q = Math.min(1 - 1e-7, Math.max(1e-7, p[i]!));
    sum -= yVal[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return sum / nVal;
}

type Score = 'accuracy' | 'loss';
let epochsRun = 0;
const objective =
  (epochs: number, score: Score = 'accuracy'): Objective =>
  async (p, ctx) => {
    const model = sequential(
      [dense({ units: p.units as number, activation: 'relu', inputShape: [cols] }), dense({ units: 1, activation: 'sigmoid' })],
      { seed: 1 },
    );
    model.compile({ optimizer: adam({ learningRate: p.lr as number }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    let acc = 0;
    await model.fit(xTrain, yTrain, {
      epochs,
      batchSize: p.batch_size as number,
      seed: 1,
      verbose: 0,
      callbacks: {
        onEpochEnd: (epoch) => {
          epochsRun++;
          acc = score === 'loss' ? valLoss(model) : valAccuracy(model);
          if (ctx.report(epoch + 1, acc)) model.stopTraining = true;
        },
      },
    });
    return acc;
  };

const parameters = {
  lr: { distribution: 'log_uniform_values', min: 1e-5, max: 0.3 },
  units: { distribution: 'int_uniform', min: 1, max: 64 },
  batch_size: { values: [8, 16, 32, 64, 128, 455] },
};
const sweep = (
  method: 'tpe' | 'random',
  seed: number,
  runCap: number,
  epochs: number,
  asha = false,
  score: Score = 'accuracy',
): Promise<SweepState> =>
  runSweep({
    name: `${method}-${seed}`,
    config: sweepSchema.parse({
      method,
      metric: score === 'loss' ? { name: 'val_loss', goal: 'minimize' } : { name: 'val_accuracy', goal: 'maximize' },
      parameters,
      run_cap: runCap,
      seed,
      ...(asha ? { early_terminate: { type: 'hyperband', min_iter: 3, eta: 3 } } : {}),
    }),
    objective: objective(epochs, score),
  });

/** The first trial (1-based) whose value reaches `target`, or undefined. */
const trialsTo = (s: SweepState, target: number): number | undefined => {
  const better = s.config.metric.goal === 'maximize' ? (v: number) => v >= target - 1e-12 : (v: number) => v <= target + 1e-12;
  const t = s.trials.find((x) => x.status === 'succeeded' && better(x.value!));
  return t ? t.number + 1 : undefined;
};

async function compare(score: Score): Promise<void> {
  console.log(`# TPE vs random search: 30 trials each, 5 seeds, 10 epochs per trial (held-out ${score}, ${nVal} rows)`);
  const rows: { seed: number; randomBest: number; randomAt: number; tpeBest: number; tpeAt: number | undefined }[] = [];
  const seeds = [1, 2, 3, 4, 5];
  const res = await alternate(
    seeds.length,
    (r) => sweep('random', seeds[r]!, 30, 10, false, score),
    (r) => sweep('tpe', seeds[r]!, 30, 10, false, score),
  );
  for (let i = 0; i < seeds.length; i++) {
    const rnd = res.a[i]!;
    const tpe = res.b[i]!;
    const target = bestTrial(rnd)!.value!;
    rows.push({
      seed: seeds[i]!,
      randomBest: target,
      randomAt: trialsTo(rnd, target)!,
      tpeBest: bestTrial(tpe)!.value!,
      tpeAt: trialsTo(tpe, target),
    });
  }
  for (const r of rows)
    console.log(
      `seed ${r.seed}: random best ${r.randomBest.toFixed(4)} at trial ${r.randomAt}; TPE best ${r.tpeBest.toFixed(4)}, reached random's best at trial ${r.tpeAt ?? 'never (within 30)'}`,
    );
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const reached = rows.filter((r) => r.tpeAt !== undefined);
  console.log(
    `trials to random's best, mean over seeds: random ${mean(rows.map((r) => r.randomAt)).toFixed(1)}, TPE ${reached.length ? mean(reached.map((r) => r.tpeAt!)).toFixed(1) : '—'} (TPE reached it in ${reached.length} of ${rows.length} seeds); median best: random ${median(rows.map((r) => r.randomBest)).toFixed(4)}, TPE ${median(rows.map((r) => r.tpeBest)).toFixed(4)}`,
  );
}

await compare('accuracy');
console.log('');
await compare('loss');

console.log('\n# ASHA (min_iter 3, eta 3) vs the same random sweep in full: 27 trials × 27 epochs');
for (const seed of [1, 2, 3]) {
  epochsRun = 0;
  const full = await sweep('random', seed, 27, 27);
  const fullEpochs = epochsRun;
  epochsRun = 0;
  const asha = await sweep('random', seed, 27, 27, true);
  const ashaEpochs = epochsRun;
  const fb = bestTrial(full)!;
  const ab = bestTrial(asha)!;
  console.log(
    `seed ${seed}: full ${fullEpochs} epochs, best trial ${fb.number} (${fb.value!.toFixed(4)}); ASHA ${ashaEpochs} epochs (saved ${(100 * (1 - ashaEpochs / fullEpochs)).toFixed(0)}%), best trial ${ab.number} (${ab.value!.toFixed(4)})${ab.number === fb.number ? ', same best trial' : ab.value! >= fb.value! ? ', a different trial as good' : ', best trial lost'}`,
  );
}
