// Registry and gates figures: `models list` / `history` with 1,000 versions and 1,000 alias moves (target < 100 ms),
// and the overhead of `gates run` beyond the model's own evaluation time (target < 10%), each against an anchor
// measured in the same run and alternated with it over 3 rounds (per-round lines, medians, min–max across rounds).
// Run: node --import tsx bench/registry.ts
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initWorkspace } from '../src/config/index.js';
import { openDb } from '../src/meta/index.js';
import { openObjectStore } from '../src/store/index.js';
import { registerModel, listModels, listVersions, aliasHistory, setAlias } from '../src/registry/index.js';
import { runGates } from '../src/gates/index.js';
import { gatesSchema } from '../src/config/gates-schema.js';
import { parseYamlWith } from '../src/config/index.js';
import { loadModelRuntime } from '../src/runtime/index.js';
import { readIdx } from '../src/data/index.js';
import { predictAll } from '../src/gates/predictions.js';
import { writeOnnx } from '../src/engine/onnx/export-onnx.js';
import { alternate, median, ratioLine } from './alternate.js';

const SHARED = join(import.meta.dirname, '..', '..', 'shared', 'data');
const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

async function timeIt(n: number, fn: () => Promise<unknown>): Promise<number> {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

/** A 784 → hidden (relu) → 10 (softmax) dense model folder with seeded random weights. */
function writeMlp(dir: string, hidden: number): void {
  mkdirSync(dir, { recursive: true });
  let s = 12345;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.1;
  const sizes = [784 * hidden, hidden, hidden * 10, 10];
  const w = new Float32Array(sizes.reduce((a, b) => a + b, 0)).map(rnd);
  const signature = {
    inputs: [{ name: 'input', dtype: 'FP32', shape: [-1, 784] }],
    outputs: [{ name: 'output', dtype: 'FP32', shape: [-1, 10] }],
  };
  const layer = (name: string, inp: number, units: number, act: string, off: number): object => ({
    type: 'dense',
    name,
    config: { units, activation: act, useBias: true },
    outputShape: [units],
    weights: [
      { name: 'kernel', shape: [inp, units], offset: off, length: inp * units },
      { name: 'bias', shape: [units], offset: off + inp * units, length: units },
    ],
  });
  const model = {
    format: 'slipway-sequential',
    formatVersion: 1,
    inputShape: [784],
    layers: [layer('dense_1', 784, hidden, 'relu', 0), layer('dense_2', hidden, 10, 'softmax', 784 * hidden + hidden)],
    signature,
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
  writeFileSync(join(dir, 'weights.bin'), Buffer.from(w.buffer));
  writeFileSync(join(dir, 'signature.json'), JSON.stringify(signature));
}

const root = mkdtempSync(join(tmpdir(), 'slipway-bench-registry-'));
try {
  const ws = initWorkspace(root);
  const db = await openDb({ sqlitePath: ws.dbPath });
  const store = openObjectStore(ws.objectsDir);
  const mlp = join(root, 'mlp');
  writeMlp(mlp, 256);

  // --- 1,000 versions and 1,000 alias moves ---
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) await registerModel(db, store, { name: 'big', from: { path: mlp }, metrics: { accuracy: i / 1000 } });
  const regMs = performance.now() - t0;
  for (let i = 1; i <= 1000; i++) await setAlias(db, { model: 'big', alias: i % 2 ? 'production' : 'staging', version: i, actor: 'bench' });
  const list = await timeIt(20, () => listModels(db));
  const versions = await timeIt(20, () => listVersions(db, 'big'));
  const history = await timeIt(20, () => aliasHistory(db, 'big'));
  console.log(`registry: 1000 registrations ${(regMs / 1000).toFixed(2)} ms each`);
  console.log(
    `in-process (median of 20): listModels ${list.toFixed(2)} ms, listVersions(1000) ${versions.toFixed(2)} ms, aliasHistory(1000) ${history.toFixed(2)} ms  [target < 100 ms]`,
  );
  const cli = (args: string[]): number => {
    const t = performance.now();
    const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), MAIN, ...args], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return performance.now() - t;
  };
  // Process start (`slipway --help`, the anchor) and the two read commands, alternated over 3 rounds.
  const cliRounds = await alternate(
    3,
    () => cli(['--help']),
    () => ({ list: cli(['models', 'list', '--json']), hist: cli(['models', 'history', 'big', '--json']) }),
  );
  const start = cliRounds.a;
  const cliList = cliRounds.b.map((x) => x.list);
  const cliHist = cliRounds.b.map((x) => x.hist);
  start.forEach((s, r) =>
    console.log(
      `  round ${r + 1}: slipway --help ${s.toFixed(0)} ms | models list ${cliList[r]!.toFixed(0)} ms | models history ${cliHist[r]!.toFixed(0)} ms`,
    ),
  );
  const plus = (xs: number[]): string => {
    const d = xs.map((x, r) => x - start[r]!);
    const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(0)}`;
    return `median ${signed(median(d))} ms (min–max ${signed(Math.min(...d))} to ${signed(Math.max(...d))})`;
  };
  console.log(
    `CLI (3 rounds alternated, process start anchor \`slipway --help\` median ${median(start).toFixed(0)} ms): models list median ${median(cliList).toFixed(0)} ms, over the anchor ${plus(cliList)}; models history median ${median(cliHist).toFixed(0)} ms, over the anchor ${plus(cliHist)}`,
  );

  // --- gates overhead on MNIST t10k (10,000 rows) ---
  const data = join(SHARED, 'mnist');
  const gates = parseYamlWith(
    `mnist:\n  dataset: ${data}\n  rules:\n    - metric: accuracy\n      min: 0\n    - metric: loss\n      max: 100\n    - metric: f1\n      min: 0\n    - class_floor: { metric: recall, class: "1", min: 0 }\n    - beat_baseline: { metric: accuracy, margin: 0 }\n`,
    'bench.yaml',
    gatesSchema,
  );
  await writeOnnx(mlp, join(root, 'mlp.onnx'));
  // The same loader (the serving runtimes' defaults) in the anchor and the gates run, so the two measure the same thing.
  const load = (dir: string): ReturnType<typeof loadModelRuntime> => loadModelRuntime(dir);
  for (const [label, from] of [
    ['engine', mlp],
    ['onnx', join(root, 'mlp.onnx')],
  ] as const) {
    const v = await registerModel(db, store, { name: 'mnist', from: { path: from } });
    const dir = join(root, `eval-${label}`);
    const { checkoutModelVersion } = await import('../src/registry/index.js');
    await checkoutModelVersion(db, store, `mnist@${v.version}`, dir);
    // Anchor: the model's own evaluation as a plain script does it — read the data, load the model, predict every
    // row, score it. The gates' overhead is what they add beyond that (checkout, rules, report).
    const plainEvaluation = async (): Promise<{ total: number; predict: number }> => {
      const a0 = performance.now();
      const images = await readIdx(join(data, 't10k-images-idx3-ubyte.gz'));
      const labels = await readIdx(join(data, 't10k-labels-idx1-ubyte.gz'));
      const x = new Float32Array(images.data.length);
      for (let i = 0; i < x.length; i++) x[i] = images.data[i]! / 255;
      const rt = await load(dir);
      const p0 = performance.now();
      const preds = await predictAll(rt, x, 10000, [784], 256, { ms: 0, calls: 0 });
      const predict = performance.now() - p0;
      let correct = 0;
      for (let i = 0; i < 10000; i++) {
        let best = 0;
        for (let k = 1; k < 10; k++) if (preds.outputs[i * 10 + k]! > preds.outputs[i * 10 + best]!) best = k;
        if (best === labels.data[i]) correct++;
      }
      if (correct < 0) throw new Error('unreachable');
      await rt.close();
      return { total: performance.now() - a0, predict };
    };
    const gatesRun = async (): Promise<number> => {
      const g0 = performance.now();
      const report = await runGates(db, store, { ref: `mnist@${v.version}`, gates, root, save: false, loadRuntime: load });
      if (report.rows !== 10000) throw new Error('bad evaluation');
      return performance.now() - g0;
    };
    const r = await alternate(3, plainEvaluation, gatesRun);
    const a = r.a.map((x) => x.total);
    const g = r.b;
    a.forEach((x, i) =>
      console.log(`  round ${i + 1} (${label}): plain evaluation script ${x.toFixed(0)} ms | gates run ${g[i]!.toFixed(0)} ms`),
    );
    const over = g.map((x, i) => ((x - a[i]!) / a[i]!) * 100);
    console.log(
      `gates run (${label}, MNIST 10k rows, 5 rules): median ${median(g).toFixed(0)} ms vs the plain evaluation script median ${median(a).toFixed(0)} ms → overhead median ${median(over).toFixed(1)}% (min–max ${Math.min(...over).toFixed(1)}–${Math.max(...over).toFixed(1)}%)  [target < 10%]; gates/plain time ${ratioLine(a, g)}; predictions alone ${median(r.a.map((x) => x.predict)).toFixed(0)} ms`,
    );
  }
  await db.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}
