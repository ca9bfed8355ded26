// Registry and gates figures: `models list` / `history` with 1,000 versions and 1,000 alias moves (target < 100 ms),
// and the overhead of `gates run` beyond the model's own evaluation time (target < 10%), each against an anchor
// measured in the same run. Run: node --import tsx bench/registry.ts
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

const SHARED = join(import.meta.dirname, '..', '..', 'shared', 'data');
const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
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
  const anchor = median([0, 1, 2].map(() => cli(['--help'])));
  const cliList = median([0, 1, 2].map(() => cli(['models', 'list', '--json'])));
  const cliHist = median([0, 1, 2].map(() => cli(['models', 'history', 'big', '--json'])));
  console.log(
    `CLI (median of 3, process start anchor \`slipway --help\` ${anchor.toFixed(0)} ms): models list ${cliList.toFixed(0)} ms (+${(cliList - anchor).toFixed(0)} ms), models history ${cliHist.toFixed(0)} ms (+${(cliHist - anchor).toFixed(0)} ms)`,
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
    const anchorRuns: number[] = [];
    const predictOnly: number[] = [];
    const gateRuns: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const a0 = performance.now();
      const images = await readIdx(join(data, 't10k-images-idx3-ubyte.gz'));
      const labels = await readIdx(join(data, 't10k-labels-idx1-ubyte.gz'));
      const x = new Float32Array(images.data.length);
      for (let i = 0; i < x.length; i++) x[i] = images.data[i]! / 255;
      const rt = await load(dir);
      const p0 = performance.now();
      const preds = await predictAll(rt, x, 10000, [784], 256, { ms: 0, calls: 0 });
      predictOnly.push(performance.now() - p0);
      let correct = 0;
      for (let i = 0; i < 10000; i++) {
        let best = 0;
        for (let k = 1; k < 10; k++) if (preds.outputs[i * 10 + k]! > preds.outputs[i * 10 + best]!) best = k;
        if (best === labels.data[i]) correct++;
      }
      if (correct < 0) throw new Error('unreachable');
      await rt.close();
      anchorRuns.push(performance.now() - a0);
      const g0 = performance.now();
      const report = await runGates(db, store, { ref: `mnist@${v.version}`, gates, root, save: false, loadRuntime: load });
      gateRuns.push(performance.now() - g0);
      if (report.rows !== 10000) throw new Error('bad evaluation');
    }
    const a = median(anchorRuns);
    const g = median(gateRuns);
    console.log(
      `gates run (${label}, MNIST 10k rows, 5 rules): ${g.toFixed(0)} ms vs the plain evaluation script ${a.toFixed(0)} ms → overhead ${(((g - a) / a) * 100).toFixed(1)}%  [target < 10%]; predictions alone ${median(predictOnly).toFixed(0)} ms`,
    );
  }
  await db.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}
