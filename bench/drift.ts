// `slipway drift`'s engine on 1,000,000 rows × 100 numeric columns against 1,000,000 reference rows (target < 10 s,
// memory < 1 GB), Evidently's default test (normalised Wasserstein above 1000 rows). Columns are Float32 on
// SharedArrayBuffers (800 MB for both tables), so worker threads read them without copies.
// A = the engine with its worker pool (one worker per CPU); B (anchor) = the same engine on the main thread only.
// Alternates A B A B A B and prints medians and the min–max of the ratio B/A.
// Run: node --import tsx bench/drift.ts [--rows 1000000] [--cols 100] [--reps 3]
import { availableParallelism } from 'node:os';
import { dataDrift, driftTableFromColumns, type DriftTable } from '../src/monitoring/drift/index.js';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const rows = arg('--rows', 1_000_000);
const cols = arg('--cols', 100);
const reps = arg('--reps', 3);

/** Float32 columns of roughly normal values (sum of three uniforms), every fourth one shifted in `current`. */
function table(seed: number, shift: number): DriftTable {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const columns: Record<string, Float32Array> = {};
  for (let c = 0; c < cols; c++) {
    const v = new Float32Array(new SharedArrayBuffer(rows * 4));
    const d = c % 4 === 0 ? shift : 0;
    for (let i = 0; i < rows; i++) v[i] = next() + next() + next() - 1.5 + d;
    columns[`x${c}`] = v;
  }
  return driftTableFromColumns(columns);
}

const t0 = performance.now();
const reference = table(1, 0);
const current = table(2, 0.2);
console.log(`data: ${rows} × ${cols} float32 columns per table, generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const a: number[] = [];
const b: number[] = [];
let drifted = -1;
for (let r = 0; r < reps; r++) {
  for (const [which, workers] of [
    ['A', undefined],
    ['B', 0],
  ] as const) {
    const t = performance.now();
    const report = await dataDrift(reference, current, { workers });
    const s = (performance.now() - t) / 1000;
    (which === 'A' ? a : b).push(s);
    if (drifted >= 0 && report.numberOfDriftedColumns !== drifted) throw new Error('A and B disagree');
    drifted = report.numberOfDriftedColumns;
    console.log(`${which} ${which === 'A' ? `workers (${availableParallelism()})` : 'main thread'}: ${s.toFixed(2)} s`);
  }
}
const ratios = a.map((x, i) => b[i]! / x);
console.log(`verdict: ${drifted} of ${cols} columns drift (expected ${Math.ceil(cols / 4)})`);
console.log(`A engine with workers:  median ${median(a).toFixed(2)} s (target < 10 s)`);
console.log(`B main thread (anchor): median ${median(b).toFixed(2)} s`);
console.log(
  `B/A speed-up: median ${median(ratios).toFixed(2)}, min–max ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
);
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (target < 1024)`);
