// `slipway pull` from a filesystem remote into an empty store against `cp -r` of the same objects (the anchor), run
// alternately (A B A B A B), and `status --remote` with nothing to do on a dataset of the same files.
// Run: node --import tsx bench/pull.ts [--files 10000] [--mib 1024] [--rounds 3] [--jobs 16]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initWorkspace } from '../src/config/index.js';
import { openDb } from '../src/meta/index.js';
import { addDataset } from '../src/data/index.js';
import { openFsRemote, openObjectStore, pullClosure } from '../src/store/index.js';
import { pushWorkspace, remoteStatus } from '../src/sharing/index.js';
import { alternate, median, ratioLine, sideLine } from './alternate.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const files = arg('--files', 10_000);
const mib = arg('--mib', 1024);
const rounds = arg('--rounds', 3);
const jobs = arg('--jobs', 16);
const size = Math.floor((mib * 1024 * 1024) / files);

const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-pull-'));
try {
  const ws = initWorkspace(join(dir, 'ws'));
  const data = join(ws.root, 'data');
  for (let i = 0; i < files; i++) {
    const sub = join(data, String(i % 100));
    if (i < 100) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.bin`), randomBytes(size));
  }
  const db = await openDb({ sqlitePath: ws.dbPath });
  const store = openObjectStore(ws.objectsDir);
  const { version } = await addDataset(db, store, { path: data, name: 'big' });
  const remoteDir = join(dir, 'remote');
  const remote = openFsRemote(remoteDir);
  await pushWorkspace(db, store, remote, ws.root, { concurrency: jobs });
  console.log(`${files} files, ${mib} MiB (${(size / 1024).toFixed(0)} KiB each), ${jobs} in flight; times in seconds`);

  const drop = (p: string): void => rmSync(p, { recursive: true, force: true });
  const r = await alternate(
    rounds,
    (i) => {
      const dest = join(dir, `cp-${i}`);
      const t = performance.now();
      execFileSync('cp', ['-r', remoteDir, dest]);
      const s = (performance.now() - t) / 1000;
      drop(dest);
      return s;
    },
    async (i) => {
      const dest = openObjectStore(join(dir, `pull-${i}`));
      const t = performance.now();
      const rep = await pullClosure(dest, remote, [version.treeHash], { concurrency: jobs });
      const s = (performance.now() - t) / 1000;
      if (rep.transferred !== files + 1) throw new Error(`pulled ${rep.transferred} of ${files + 1} objects`);
      drop(dest.root);
      return s;
    },
  );
  console.log(sideLine('cp -r (anchor)', r.a, 's', 2));
  console.log(sideLine('slipway pull  ', r.b, 's', 2));
  console.log(`pull throughput / cp -r throughput: ${ratioLine(r.b, r.a)} (goal ≥ 0.80)`);
  // pull makes every object durable before naming it (one syncfs); cp -r leaves dirty pages: a second anchor that syncs.
  const synced = await alternate(
    rounds,
    (i) => {
      const dest = join(dir, `cps-${i}`);
      const t = performance.now();
      execFileSync('cp', ['-r', remoteDir, dest]);
      execFileSync('sync', ['-f', dest]);
      const s = (performance.now() - t) / 1000;
      drop(dest);
      return s;
    },
    async (i) => {
      const dest = openObjectStore(join(dir, `pulls-${i}`));
      const t = performance.now();
      await pullClosure(dest, remote, [version.treeHash], { concurrency: jobs });
      const s = (performance.now() - t) / 1000;
      drop(dest.root);
      return s;
    },
  );
  console.log(sideLine('cp -r && sync -f (anchor)', synced.a, 's', 2));
  console.log(sideLine('slipway pull            ', synced.b, 's', 2));
  console.log(`pull throughput / (cp -r && sync) throughput: ${ratioLine(synced.b, synced.a)}`);

  const times: number[] = [];
  for (let i = 0; i < Math.max(5, rounds); i++) {
    const t = performance.now();
    const st = await remoteStatus(db, store, remote, ws.root);
    times.push(performance.now() - t);
    if (st.some((e) => e.missingLocal + e.missingRemote > 0)) throw new Error('status --remote found work to do');
  }
  console.log(`${sideLine('status --remote, nothing to do (in process)', times, 'ms', 1)} (goal < 300 ms)`);
  const cli = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
  writeFileSync(join(ws.root, 'slipway.yaml'), `remotes:\n  origin: { url: ${JSON.stringify(remoteDir)} }\n`);
  const wall2: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    execFileSync(process.execPath, ['--import', import.meta.resolve('tsx'), cli, 'status', '--remote'], { cwd: ws.root, stdio: 'ignore' });
    wall2.push(performance.now() - t);
  }
  console.log(`status --remote as a CLI process (node + tsx start included): median ${median(wall2).toFixed(0)} ms`);
  await db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
