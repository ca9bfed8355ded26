// `npm run bench`: runs every benchmark in bench/ one after another (each in its own process, so one's memory and
// threads never weigh on the next) and writes their output, as printed, to bench/RESULTS.md with the date, the CPU,
// the Node version, the commit and the load average before and after: the README's figures are quoted from that file.
// Run: npm run bench [-- --only serve,hash] [-- --skip s3-remote] [-- --out FILE]
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

/** Files in bench/ that are shared pieces, not benchmarks. */
const NOT_BENCHES = new Set(['run.ts', 'alternate.ts', 'mnist-cnn.ts']);

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const list = (v: string | undefined): Set<string> | null => (v ? new Set(v.split(',').map((s) => s.trim().replace(/\.ts$/, ''))) : null);

const dir = import.meta.dirname;
const repo = join(dir, '..');
const only = list(argValue('--only'));
const skip = list(argValue('--skip')) ?? new Set<string>();
const out = argValue('--out') ?? join(dir, 'RESULTS.md');

const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !NOT_BENCHES.has(f))
  .map((f) => f.slice(0, -3))
  .filter((b) => (only ? only.has(b) : true) && !skip.has(b))
  .sort();

function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo, encoding: 'utf8' }).trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

/** Runs one bench, echoing its output live, and returns what it printed. */
function runOne(name: string): Promise<{ output: string; code: number | null; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(dir, `${name}.ts`)], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer, to: NodeJS.WriteStream): void => {
      output += chunk.toString('utf8');
      to.write(chunk);
    };
    child.stdout.on('data', (c: Buffer) => take(c, process.stdout));
    child.stderr.on('data', (c: Buffer) => take(c, process.stderr));
    child.on('close', (code) => resolve({ output, code, seconds: (Date.now() - started) / 1000 }));
  });
}

const cpu = cpus();
const header = [
  '# Benchmark results',
  '',
  'Written by `npm run bench` (bench/run.ts); every figure in the README is quoted from here. Each A/B benchmark',
  'alternates its sides (A B A B A B) and prints medians and the min–max of the ratio across rounds.',
  '',
  `- date: ${new Date().toISOString()}`,
  `- CPU: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length} logical cores; memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
  `- Node: ${process.version} on ${process.platform}-${process.arch}`,
  `- commit: ${commit()}`,
  `- load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
  '',
];

const sections: string[] = [];
const failed: string[] = [];
for (const name of benches) {
  console.log(`\n=== bench/${name}.ts ===`);
  // The previous bench's written files (pull, data-add, pipeline write gigabytes) are flushed first, so their
  // writeback does not take CPU from this one.
  execFileSync('sync');
  const r = await runOne(name);
  if (r.code !== 0) failed.push(name);
  sections.push(
    `## ${name}`,
    '',
    `\`node --import tsx bench/${name}.ts\` — ${r.seconds.toFixed(0)} s, exit ${r.code ?? 'signal'}`,
    '',
    '```',
    r.output.trimEnd(),
    '```',
    '',
  );
}
const footer = [
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
  failed.length ? `failed: ${failed.join(', ')}` : 'all benchmarks exited 0',
  '',
];
writeFileSync(out, [...header, ...sections, ...footer].join('\n'));
console.log(`\nwrote ${out}${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
process.exitCode = failed.length ? 1 : 0;
