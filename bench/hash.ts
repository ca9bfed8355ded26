// Hashing throughput: one 1 GiB file against `openssl speed -evp sha256` (single core, measured in the same run,
// alternated A B A B A B with sha256File and hashFiles; medians and the ratio's min–max), and many files on all cores
// (worker threads) against one thread, alternated the same way.
// Run: node --import tsx bench/hash.ts [--size-mib 1024] [--files 2000]
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256File, hashFiles } from '../src/store/index.js';
import { alternate, median, ratioLine, sideLine } from './alternate.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const sizeMiB = arg('--size-mib', 1024);
const nFiles = arg('--files', 2000);

/**
 * openssl's single-core sha256 throughput at 16 KiB blocks, in bytes/s. By default `openssl speed` divides by its
 * user CPU time; with -elapsed by wall-clock time. Both are measured so a loaded machine compares like with like.
 */
function opensslSpeed(elapsed: boolean): number {
  const args = ['speed', ...(elapsed ? ['-elapsed'] : []), '-evp', 'sha256', '-bytes', '16384', '-seconds', '3'];
  const out = execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  // Last line: "sha256   123456.78k" (thousands of bytes per second).
  const line = out.trim().split('\n').at(-1)!;
  const k = Number(/([\d.]+)k\s*$/.exec(line)?.[1]);
  if (!Number.isFinite(k)) throw new Error(`cannot parse openssl output: ${line}`);
  return k * 1000;
}

/** CPU seconds used by this process and its finished children (user + system), from /proc/self/stat. */
function cpuSeconds(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    children = (Number(f[13]) + Number(f[14])) / 100; // cutime + cstime, in clock ticks (USER_HZ = 100)
  } catch {
    // Not Linux: children are not counted.
  }
  return (own.user + own.system) / 1e6 + children;
}

async function measure<T>(fn: () => Promise<T>): Promise<{ wallMs: number; cpuS: number; value: T }> {
  const c = cpuSeconds();
  const t = performance.now();
  const value = await fn();
  return { wallMs: performance.now() - t, cpuS: cpuSeconds() - c, value };
}

function writeRandomFile(path: string, bytes: number): void {
  const block = randomBytes(1 << 20);
  const fd = openSync(path, 'w');
  for (let left = bytes; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
  closeSync(fd);
}

const gbs = (bytes: number, ms: number): string => `${(bytes / ms / 1e6).toFixed(2)} GB/s`;

const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-hash-'));
try {
  const big = join(dir, 'big.bin');
  const bytes = sizeMiB * 1024 * 1024;
  writeRandomFile(big, bytes);
  await sha256File(big); // warm the page cache so we measure hashing, not the disk
  // Anchor and ours alternated, so load drift on a shared machine hits both sides.
  const ab = await alternate(
    3,
    () => ({ wall: opensslSpeed(true), cpu: opensslSpeed(false) }),
    async () => ({ file: await measure(() => sha256File(big)), worker: await measure(() => hashFiles([big])) }),
  );
  if (ab.b.some((x) => x.file.value.hash !== x.worker.value[0]!.hash)) throw new Error('hash mismatch between the two paths');
  const anchorWall = ab.a.map((x) => x.wall);
  const anchorCpu = ab.a.map((x) => x.cpu);
  const oursWall = ab.b.map((m) => bytes / (m.file.wallMs / 1000));
  const oursCpu = ab.b.map((m) => bytes / m.file.cpuS);
  const workerWall = ab.b.map((m) => bytes / (m.worker.wallMs / 1000));
  const gb = (xs: number[]): number[] => xs.map((x) => x / 1e9);
  console.log('anchor openssl speed -evp sha256 -bytes 16384 vs sha256File (double-buffered reads) then hashFiles, 3 rounds A B A B A B:');
  ab.a.forEach((x, r) =>
    console.log(
      `  round ${r + 1}: anchor ${(x.wall / 1e9).toFixed(2)} GB/s | sha256File ${(oursWall[r]! / 1e9).toFixed(2)} GB/s, hashFiles ${(workerWall[r]! / 1e9).toFixed(2)} GB/s`,
    ),
  );
  console.log(
    `  ${sideLine('anchor wall (-elapsed)', gb(anchorWall), 'GB/s', 2)}; per CPU-second ${median(gb(anchorCpu)).toFixed(2)} GB/s`,
  );
  console.log(
    `  ${sideLine(`sha256File wall, ${sizeMiB} MiB`, gb(oursWall), 'GB/s', 2)}; per CPU-second ${median(gb(oursCpu)).toFixed(2)} GB/s`,
  );
  console.log(`  ratio wall ${ratioLine(anchorWall, oursWall)}; per CPU-second ${ratioLine(anchorCpu, oursCpu)} (target ≥ 0.80×)`);
  console.log(
    `hashFiles (what data add uses: a worker), ${sizeMiB} MiB: ${sideLine('wall', gb(workerWall), 'GB/s', 2)}; ratio to the anchor's wall ${ratioLine(anchorWall, workerWall)}`,
  );
  rmSync(big);

  const fdir = join(dir, 'many');
  mkdirSync(fdir);
  const each = 256 * 1024;
  const block = randomBytes(each);
  const paths: string[] = [];
  for (let i = 0; i < nFiles; i++) {
    const p = join(fdir, `f${i}`);
    block.writeUInt32LE(i, 0);
    const fd = openSync(p, 'w');
    writeSync(fd, block);
    closeSync(fd);
    paths.push(p);
  }
  await hashFiles(paths, { workers: 0 });
  const cores = availableParallelism();
  const timed = async (workers: number): Promise<number> => {
    const t = performance.now();
    await hashFiles(paths, { workers });
    return performance.now() - t;
  };
  // Main thread (A) and all cores (B), alternated.
  const many = await alternate(
    3,
    () => timed(0),
    () => timed(cores),
  );
  const total = nFiles * each;
  const rate = (msList: number[]): number[] => msList.map((ms) => total / ms / 1e6);
  many.a.forEach((ms, r) =>
    console.log(`  round ${r + 1}: main thread ${gbs(total, ms)} | ${cores} worker threads ${gbs(total, many.b[r]!)}`),
  );
  console.log(`${nFiles} files x 256 KiB, ${sideLine('main thread (concurrent reads)', rate(many.a), 'GB/s', 2)}`);
  console.log(`${nFiles} files x 256 KiB, ${sideLine(`${cores} worker threads`, rate(many.b), 'GB/s', 2)}`);
  console.log(`worker speed-up (main-thread time / worker time): ${ratioLine(many.b, many.a)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
