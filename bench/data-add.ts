// `slipway data add` of a folder of 10,000 small files (target < 10 s) and adding it again unchanged (target < 1 s),
// run through the CLI as a user would; CLI start-up (`data list` on an empty workspace) is printed for reference,
// alternated with the adds over 3 rounds (per-round lines, medians, min–max, re-add / start-up ratio).
// Run: node --import tsx bench/data-add.ts [--files 10000] [--compiled]
// --compiled first builds the CLI with tsc into bench/out/dist and runs that (as an installed package would),
// instead of the TypeScript sources through tsx, whose start-up transpiling would otherwise dominate the re-add.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alternate, ratioLine, sideLine } from './alternate.js';

const i = process.argv.indexOf('--files');
const nFiles = i >= 0 ? Number(process.argv[i + 1]) : 10_000;
const ROOT = join(import.meta.dirname, '..');
const compiled = process.argv.includes('--compiled');
const TSX = import.meta.resolve('tsx');
if (compiled) {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', 'bench/out/dist'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (!existsSync(join(ROOT, 'bench', 'out', 'dist', 'cli', 'main.js'))) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
}
const command = compiled ? [join(ROOT, 'bench', 'out', 'dist', 'cli', 'main.js')] : ['--import', TSX, join(ROOT, 'src', 'cli', 'main.ts')];

function slipway(cwd: string, ...args: string[]): { ms: number; stdout: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [...command, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, SLIPWAY_NO_PROGRESS: '1', NO_COLOR: '1' },
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`slipway ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout.trim() };
}

// Each round uses a fresh workspace: A is the start-up reference (`data list` on the empty workspace), B the first
// add and the unchanged re-add; 3 rounds, A B A B A B.
const dirs: string[] = [];
try {
  const r = await alternate(
    3,
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-add-'));
      dirs.push(dir);
      slipway(dir, 'init');
      for (let k = 0; k < nFiles; k++) {
        const sub = join(dir, 'data', `d${Math.floor(k / 500)}`);
        if (k % 500 === 0) mkdirSync(sub, { recursive: true });
        writeFileSync(join(sub, `f${k}.txt`), `sample ${k}\n`.repeat(1 + (k % 64)));
      }
      return slipway(dir, 'data', 'list').ms / 1000;
    },
    (round) => {
      const dir = dirs[round]!;
      const first = slipway(dir, 'data', 'add', 'data', '--name', 'many');
      const again = slipway(dir, 'data', 'add', 'data', '--name', 'many');
      if (first.stdout !== 'many@1' || again.stdout !== 'many@1') throw new Error(`unexpected output ${first.stdout} / ${again.stdout}`);
      return { first: first.ms / 1000, again: again.ms / 1000 };
    },
  );
  const first = r.b.map((x) => x.first);
  const again = r.b.map((x) => x.again);
  console.log(`CLI: ${compiled ? 'compiled (bench/out/dist)' : 'TypeScript sources through tsx'}`);
  r.a.forEach((s, k) =>
    console.log(
      `  round ${k + 1}: start-up ${s.toFixed(2)} s | data add ${first[k]!.toFixed(2)} s, again unchanged ${again[k]!.toFixed(2)} s`,
    ),
  );
  console.log(`${sideLine('CLI start-up (data list)', r.a, 's', 2)}`);
  console.log(`${sideLine(`data add, ${nFiles} files`, first, 's', 2)} (target < 10 s)`);
  console.log(`${sideLine('data add again, unchanged', again, 's', 2)} (target < 1 s)`);
  console.log(`data add again / CLI start-up time: ${ratioLine(r.a, again)}`);
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
