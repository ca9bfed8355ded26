// Push and pull through an s3:// remote (a real S3 server, e.g. radosgw from ../shared/services/s3-up.sh) against a
// filesystem remote moving the same objects in the same run, alternated A B A B A B (each round into an empty remote);
// per-round lines, medians and the min–max of the s3/filesystem time ratios.
// Run: S3_ENV=$(bash ../shared/services/s3-up.sh) && eval "$S3_ENV" && node --import tsx bench/s3-remote.ts [--objects 1000] [--kib 16] [--jobs 16]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../src/config/settings.js';
import { openObjectStore, openRemote, pullObjects, pushObjects, type Remote } from '../src/store/index.js';
import { s3TestPrefix } from '../test/helpers/s3-test-prefix.js';
import { alternate, ratioLine, sideLine } from './alternate.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const n = arg('--objects', 1000);
const kib = arg('--kib', 16);
const jobs = arg('--jobs', 16);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // the SDK's Node 20 notice is not a result
const s3 = loadSettings(process.env, false).s3;
if (!s3.endpoint || !s3.bucket) {
  console.error('set S3_ENDPOINT and S3_BUCKET (see ../shared/services/README.md)');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-s3-'));
const src = openObjectStore(join(dir, 'src'));
const hashes: string[] = [];
for (let i = 0; i < n; i++) hashes.push(src.putBytes(randomBytes(kib * 1024)));

async function run(name: string, remote: Remote, round: number): Promise<{ push: number; pull: number }> {
  let t = performance.now();
  const p = await pushObjects(src, remote, hashes, { concurrency: jobs });
  const push = (performance.now() - t) / 1000;
  const dst = openObjectStore(join(dir, `dst-${name}-${round}`));
  t = performance.now();
  const q = await pullObjects(dst, remote, hashes, { concurrency: jobs });
  const pull = (performance.now() - t) / 1000;
  if (p.transferred !== n || q.transferred !== n) throw new Error(`${name}: moved ${p.transferred}/${q.transferred} of ${n}`);
  const mib = (n * kib) / 1024;
  console.log(
    `round ${round + 1} ${name.padEnd(10)} push ${(n / push).toFixed(0)} objects/s (${(mib / push).toFixed(1)} MiB/s), pull ${(n / pull).toFixed(0)} objects/s (${(mib / pull).toFixed(1)} MiB/s)`,
  );
  return { push, pull };
}

// Each round pushes into an empty remote (a new folder; a new prefix in the bucket) so every round moves all objects.
const prefixes: ReturnType<typeof s3TestPrefix>[] = [];
try {
  console.log(`${n} objects of ${kib} KiB, ${jobs} in flight; filesystem remote (A) and s3 remote (B) alternated, 3 rounds`);
  const r = await alternate(
    3,
    (i) => run('filesystem', openRemote(join(dir, `fs-remote-${i}`)), i),
    (i) => {
      const prefix = s3TestPrefix(s3, s3.bucket!);
      prefixes.push(prefix);
      return run('s3', openRemote(prefix.url, dir, { s3 }), i);
    },
  );
  const perSecond = (xs: number[]): number[] => xs.map((sec) => n / sec);
  for (const [side, label] of [
    [r.a, 'filesystem'],
    [r.b, 's3'],
  ] as const) {
    console.log(
      `${sideLine(`${label} push`, perSecond(side.map((x) => x.push)), 'objects/s')}; ${sideLine('pull', perSecond(side.map((x) => x.pull)), 'objects/s')}`,
    );
  }
  console.log(
    `s3 / filesystem time: push ${ratioLine(
      r.a.map((x) => x.push),
      r.b.map((x) => x.push),
      1,
    )}, pull ${ratioLine(
      r.a.map((x) => x.pull),
      r.b.map((x) => x.pull),
      1,
    )}`,
  );
} finally {
  for (const p of prefixes) await p.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
