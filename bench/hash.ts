// Hashing throughput: one 1 GiB file against `openssl speed -evp sha256` (single core, measured in the same run),
// and many files on all cores (worker threads) against one thread.
// Run: node --import tsx bench/hash.ts [--size-mib 1024] [--files 2000]
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256File, hashFiles } from '../src/store/index.js';

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
  const anchorCpu = opensslSpeed(false);
  const anchorWall = opensslSpeed(true);
  const a = await measure(() => sha256File(big));
  const b = await measure(() => hashFiles([big]));
  if (a.value.hash !== b.value[0]!.hash) throw new Error('hash mismatch between the two paths');
  const line = (label: string, m: { wallMs: number; cpuS: number }): void =>
    console.log(
      `${label}: wall ${gbs(bytes, m.wallMs)} = ${(bytes / (m.wallMs / 1000) / anchorWall).toFixed(2)}x; ` +
        `per CPU-second ${(bytes / m.cpuS / 1e9).toFixed(2)} GB/s = ${(bytes / m.cpuS / anchorCpu).toFixed(2)}x`,
    );
  console.log(
    `anchor openssl speed -evp sha256 -bytes 16384: ${(anchorCpu / 1e9).toFixed(2)} GB/s per CPU-second, ${(anchorWall / 1e9).toFixed(2)} GB/s wall (-elapsed)`,
  );
  line(`sha256File (double-buffered reads), ${sizeMiB} MiB`, a);
  line(`hashFiles (what data add uses: a worker), ${sizeMiB} MiB`, b);
  console.log('target: >= 0.80x the anchor');
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
  let t = performance.now();
  await hashFiles(paths, { workers: 0 });
  const oneMs = performance.now() - t;
  const cores = availableParallelism();
  t = performance.now();
  await hashFiles(paths, { workers: cores });
  const allMs = performance.now() - t;
  const total = nFiles * each;
  console.log(`${nFiles} files x 256 KiB, main thread (concurrent reads): ${gbs(total, oneMs)}`);
  console.log(`${nFiles} files x 256 KiB, ${cores} worker threads:          ${gbs(total, allMs)}  speed-up ${(oneMs / allMs).toFixed(2)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
