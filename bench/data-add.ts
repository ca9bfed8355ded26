// `slipway data add` of a folder of 10,000 small files (target < 10 s) and adding it again unchanged (target < 1 s),
// run through the CLI as a user would; CLI start-up (`data list` on an empty workspace) is printed for reference.
// Run: node --import tsx bench/data-add.ts [--files 10000]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const i = process.argv.indexOf('--files');
const nFiles = i >= 0 ? Number(process.argv[i + 1]) : 10_000;
const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const TSX = import.meta.resolve('tsx');

function slipway(cwd: string, ...args: string[]): { ms: number; stdout: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, SLIPWAY_NO_PROGRESS: '1', NO_COLOR: '1' },
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`slipway ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout.trim() };
}

const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-add-'));
try {
  slipway(dir, 'init');
  for (let k = 0; k < nFiles; k++) {
    const sub = join(dir, 'data', `d${Math.floor(k / 500)}`);
    if (k % 500 === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${k}.txt`), `sample ${k}\n`.repeat(1 + (k % 64)));
  }
  const startup = slipway(dir, 'data', 'list');
  const first = slipway(dir, 'data', 'add', 'data', '--name', 'many');
  const again = slipway(dir, 'data', 'add', 'data', '--name', 'many');
  if (first.stdout !== 'many@1' || again.stdout !== 'many@1') throw new Error(`unexpected output ${first.stdout} / ${again.stdout}`);
  console.log(`CLI start-up (data list):                 ${(startup.ms / 1000).toFixed(2)} s`);
  console.log(`data add, ${nFiles} files:               ${(first.ms / 1000).toFixed(2)} s (target < 10 s)`);
  console.log(`data add again, unchanged:                ${(again.ms / 1000).toFixed(2)} s (target < 1 s)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
