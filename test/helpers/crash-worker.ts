// A child process for the SIGKILL tests: performs one store operation (or a loop of them), printing `ready` once its
// modules are loaded and `ack …` after each operation that completed (an acknowledged write must never be lost).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireWriteLock, openFsRemote, openObjectStore, pullClosure, pushObjects, closureOf } from '../../src/store/index.js';

interface Job {
  op: 'add' | 'push' | 'pull' | 'register';
  objects: string;
  db?: string;
  path?: string;
  remote?: string;
  roots?: string[];
  scratch?: string;
}

const job = JSON.parse(process.argv[2]!) as Job;
const store = openObjectStore(job.objects);
// Only what the operation needs is loaded (a short start keeps 20 tries per operation quick), before `ready`.
const { openDb } = job.db ? await import('../../src/meta/index.js') : { openDb: undefined };
const { addDataset } = job.op === 'add' ? await import('../../src/data/index.js') : { addDataset: undefined };
const { registerModel } = job.op === 'register' ? await import('../../src/registry/index.js') : { registerModel: undefined };
const { writeDenseModel } = job.op === 'register' ? await import('../registry/fixtures.js') : { writeDenseModel: undefined };
process.stdout.write('ready\n');

if (job.op === 'add') {
  const db = await openDb!({ sqlitePath: job.db! });
  const r = await addDataset!(db, store, { path: job.path!, name: 'd' });
  process.stdout.write(`ack ${r.version.treeHash}\n`);
  await db.close();
} else if (job.op === 'push') {
  const release = await acquireWriteLock(store);
  await pushObjects(store, openFsRemote(job.remote!), closureOf(store, job.roots!), { concurrency: 8 });
  release();
  process.stdout.write('ack push\n');
} else if (job.op === 'pull') {
  const release = await acquireWriteLock(store);
  await pullClosure(store, openFsRemote(job.remote!), job.roots!, { concurrency: 8 });
  release();
  process.stdout.write('ack pull\n');
} else {
  const db = await openDb!({ sqlitePath: job.db! });
  for (let i = 0; ; i++) {
    const dir = join(job.scratch!, `m${process.pid}-${i}`);
    mkdirSync(dir, { recursive: true });
    writeDenseModel!(dir, { w: new Float32Array(12).fill(i), b: new Float32Array(3) }, { features: 4, classes: 3 });
    writeFileSync(join(dir, 'extra.bin'), randomBytes(256 * 1024));
    const mv = await registerModel!(db, store, { name: 'big', from: { path: dir } });
    process.stdout.write(`ack ${mv.name}@${mv.version} ${mv.treeHash}\n`);
  }
}
