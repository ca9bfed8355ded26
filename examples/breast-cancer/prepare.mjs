#!/usr/bin/env node
// The `prepare` stage of the breast-cancer pipeline: a seeded, stratified train/test split of the CSV.
// Plain Node (no dependencies) so the stage runs anywhere the pipeline does.
//
//   node prepare.mjs data/breast_cancer.csv data/prepared --test-fraction 0.2 --seed 7
//
// Keeps the scikit-learn layout (first line "rows,features,class names…", target last) so `slipway train`,
// `slipway evaluate` and the gates read class names (malignant = 0, benign = 1) from both halves.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function fail(msg) {
  process.stderr.write(`prepare: ${msg}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const positional = [];
const opts = { 'test-fraction': 0.2, seed: 7 };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--test-fraction' || a === '--seed') opts[a.slice(2)] = Number(args[++i]);
  else positional.push(a);
}
const [src, out] = positional;
if (!src || !out) fail('usage: node prepare.mjs SRC.csv OUT_DIR [--test-fraction F] [--seed S]');
if (!(opts['test-fraction'] > 0 && opts['test-fraction'] < 1)) fail('--test-fraction must lie in (0, 1)');

const lines = readFileSync(src, 'utf8')
  .split(/\r?\n/)
  .filter((l) => l.trim() !== '');
const head = lines[0].split(',');
if (!/^\d+$/.test(head[0]) || !/^\d+$/.test(head[1]))
  fail(`${src} is not a scikit-learn CSV (its first line should be "rows,features,class names…")`);
const rows = lines.slice(1);
const features = Number(head[1]);
const byClass = new Map();
for (const r of rows) {
  const cells = r.split(',');
  if (cells.length !== features + 1) fail(`${src}: a row has ${cells.length} cells, expected ${features + 1}`);
  const label = cells[features];
  byClass.set(label, [...(byClass.get(label) ?? []), r]);
}

// mulberry32: a small seeded generator, so the split is the same on every machine.
let state = opts.seed >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const shuffle = (xs) => {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
};

const train = [];
const test = [];
for (const label of [...byClass.keys()].sort()) {
  const group = shuffle(byClass.get(label));
  const n = Math.round(group.length * opts['test-fraction']);
  test.push(...group.slice(0, n));
  train.push(...group.slice(n));
}
shuffle(train);
shuffle(test);

mkdirSync(out, { recursive: true });
for (const [name, part] of [
  ['train.csv', train],
  ['test.csv', test],
]) {
  const file = join(out, name);
  writeFileSync(`${file}.tmp`, [[part.length, features, ...head.slice(2)].join(','), ...part].join('\n') + '\n');
  renameSync(`${file}.tmp`, file);
}
const counts = (part) =>
  [...byClass.keys()].sort().map((l) => `${head[2 + Number(l)] ?? l}: ${part.filter((r) => r.endsWith(`,${l}`)).length}`);
process.stdout.write(
  `prepare: train ${train.length} rows (${counts(train).join(', ')}), test ${test.length} rows (${counts(test).join(', ')}) → ${out}\n`,
);
