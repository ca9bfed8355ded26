// Push and pull through an s3:// remote (a real S3 server, e.g. radosgw from ../shared/services/s3-up.sh) against a
// filesystem remote moving the same objects in the same run.
// Run: S3_ENV=$(bash ../shared/services/s3-up.sh) && eval "$S3_ENV" && node --import tsx bench/s3-remote.ts [--objects 1000] [--kib 16] [--jobs 16]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../src/config/settings.js';
import { openObjectStore, openRemote, pullObjects, pushObjects, type Remote } from '../src/store/index.js';
import { s3TestPrefix } from '../test/helpers/s3-test-prefix.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const n = arg('--objects', 1000);
const kib = arg('--kib', 16);
const jobs = arg('--jobs', 16);
const s3 = loadSettings(process.env, false).s3;
if (!s3.endpoint || !s3.bucket) {
  console.error('set S3_ENDPOINT and S3_BUCKET (see ../shared/services/README.md)');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-s3-'));
const src = openObjectStore(join(dir, 'src'));
const hashes: string[] = [];
for (let i = 0; i < n; i++) hashes.push(src.putBytes(randomBytes(kib * 1024)));

async function run(name: string, remote: Remote): Promise<{ push: number; pull: number }> {
  let t = performance.now();
  const p = await pushObjects(src, remote, hashes, { concurrency: jobs });
  const push = (performance.now() - t) / 1000;
  const dst = openObjectStore(join(dir, `dst-${name}`));
  t = performance.now();
  const q = await pullObjects(dst, remote, hashes, { concurrency: jobs });
  const pull = (performance.now() - t) / 1000;
  if (p.transferred !== n || q.transferred !== n) throw new Error(`${name}: moved ${p.transferred}/${q.transferred} of ${n}`);
  const mib = (n * kib) / 1024;
  console.log(
    `${name.padEnd(10)} push ${(n / push).toFixed(0)} objects/s (${(mib / push).toFixed(1)} MiB/s), pull ${(n / pull).toFixed(0)} objects/s (${(mib / pull).toFixed(1)} MiB/s)`,
  );
  return { push, pull };
}

const prefix = s3TestPrefix(s3, s3.bucket);
try {
  console.log(`${n} objects of ${kib} KiB, ${jobs} in flight`);
  const fs = await run('filesystem', openRemote(join(dir, 'fs-remote')));
  const viaS3 = await run('s3', openRemote(prefix.url, dir, { s3 }));
  console.log(`s3 / filesystem time: push ${(viaS3.push / fs.push).toFixed(1)}x, pull ${(viaS3.pull / fs.pull).toFixed(1)}x`);
} finally {
  await prefix.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
