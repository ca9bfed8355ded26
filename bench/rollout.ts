// Canary routing and shadow mirroring on the serving path, and how fast a failing canary loses its traffic.
//  1. wrk -t2 -c16 against one server process holding three model servers over the same iris model: A without a
//     traffic plan, B with a 50 % canary (weighted, sticky routing), C with the canary and a shadow (every request
//     mirrored in the background and logged). Rounds alternate A B C A B C …; ratios are against A.
//  2. A canary trained on shuffled labels, judged every 300 ms by the rollout controller (200 ms ticks): the time from
//     the close of the failing window to the moment the server's plan no longer routes to it.
// Run: npx tsx bench/rollout.ts [seconds-per-round=5] [rounds=3]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initWorkspace, slipwayConfigSchema } from '../src/config/index.js';
import { openDb } from '../src/meta/index.js';
import { openObjectStore } from '../src/store/index.js';
import { registerModel, setAlias } from '../src/registry/index.js';
import { startModelServer } from '../src/serving/index.js';
import { createRolloutController } from '../src/rollout/index.js';
import { iris, trainSoftmax, writeDenseModel } from '../test/registry/fixtures.js';
import { median, ratioLine, sideLine } from './alternate.js';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Math.max(3, Number(process.argv[3] ?? 3));
const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-rollout-'));
const ws = initWorkspace(dir);
const db = await openDb({ sqlitePath: ws.dbPath });
const store = openObjectStore(ws.objectsDir);
const data = iris();
const reg = async (name: string, y: Float32Array): Promise<number> => {
  const p = writeDenseModel(join(dir, name), trainSoftmax({ ...data, y }, 4, 3, 300), { features: 4, classes: 3, labels: data.classNames });
  return (await registerModel(db, store, { name: 'iris', from: { path: p } })).version;
};
const v1 = await reg('v1', data.y);
const v2 = await reg('v2', data.y);
let seed = 42;
const shuffled = Float32Array.from(data.y);
for (let i = shuffled.length - 1; i > 0; i--) {
  const j = Math.floor(((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296) * (i + 1));
  [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
}
const v3 = await reg('v3', shuffled);
await setAlias(db, { model: 'iris', alias: 'production', version: v1, actor: 'bench' });

const open = () => startModelServer({ db, store, models: [{ ref: 'iris' }], restPort: 0, grpcPort: null, pollIntervalMs: 0 });
const [a, b, c] = [await open(), await open(), await open()];
await b.models.setPlan('iris', { stableLabel: 'production', canary: { version: v2, weight: 50 } });
await c.models.setPlan('iris', { stableLabel: 'production', canary: { version: v2, weight: 50 }, shadow: { version: v3 } });

const lua = join(dir, 'predict.lua');
writeFileSync(
  lua,
  `wrk.method = "POST"\nwrk.headers["content-type"] = "application/json"\nwrk.body = '{"instances": [[5.1, 3.5, 1.4, 0.2]]}'\n`,
);
// wrk runs as a child without blocking: the servers under test live in this process's event loop.
const wrk = async (port: number): Promise<{ rps: number; errors: string }> => {
  const { stdout: out } = await promisify(execFile)(
    'wrk',
    ['-t2', '-c16', `-d${seconds}s`, '-s', lua, `http://127.0.0.1:${port}/v1/models/iris:predict`],
    { encoding: 'utf8' },
  );
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), errors: /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0' };
};
console.log(
  `rollout routing overhead — wrk -t2 -c16 -d${seconds}s, ${rounds} rounds A B C …; one process, tiny dense iris model, prediction log on`,
);
const res = { a: [] as number[], b: [] as number[], c: [] as number[] };
for (let r = 0; r < rounds; r++) {
  for (const [k, s] of [
    ['a', a],
    ['b', b],
    ['c', c],
  ] as const) {
    const w = await wrk(s.restPort);
    res[k].push(w.rps);
    if (w.errors !== '0') console.log(`  round ${r + 1} ${k}: ${w.errors} non-2xx answers`);
  }
  console.log(`  round ${r + 1}: A ${res.a[r]!.toFixed(0)}  B ${res.b[r]!.toFixed(0)}  C ${res.c[r]!.toFixed(0)} req/s`);
}
console.log(sideLine('A no plan', res.a, 'req/s'));
console.log(sideLine('B canary 50 %', res.b, 'req/s'));
console.log(sideLine('C canary 50 % + shadow', res.c, 'req/s'));
console.log(`throughput B/A ${ratioLine(res.a, res.b, 3)}   C/A ${ratioLine(res.a, res.c, 3)}`);

// 2. Time to weight 0 after a failing window closes.
const config = slipwayConfigSchema.parse({
  deployments: {
    iris: {
      model: 'iris',
      stable: 'production',
      canary: { version: v3, steps: [50, 100], interval: '300ms' },
      analysis: { min_requests: 5, max_error_rate: 0, max_accuracy_drop: 0.1, min_labelled: 5 },
    },
  },
});
const lags: number[] = [];
const decide: number[] = [];
for (let r = 0; r < rounds; r++) {
  await setAlias(db, { model: 'iris', alias: 'production', version: v1, actor: 'bench' });
  await a.refresh();
  const controller = createRolloutController({
    db,
    stateDir: ws.stateDir,
    deployments: () => config.deployments!,
    traffic: { setPlan: (m, p) => a.models.setPlan(m, p), refresh: () => a.refresh() },
  });
  const st = await controller.start('iris', { force: true, reason: 'bench' });
  const ticker = controller.run(200);
  const windowCloses = st.stepStartedAt + st.intervalMs;
  let stop = false;
  const base = `http://127.0.0.1:${a.restPort}`;
  const client = (async () => {
    for (let i = 0; !stop; i++) {
      const row = i % data.rows;
      const id = `b-${randomUUID()}`;
      await (
        await fetch(`${base}/v1/models/iris:predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': id },
          body: JSON.stringify({ instances: [Array.from(data.x.subarray(row * 4, row * 4 + 4))] }),
        })
      ).text();
      await (
        await fetch(`${base}/v1/feedback`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ request_id: id, label: data.classNames[data.y[row]!] }),
        })
      ).text();
    }
  })();
  let off = 0;
  while (!off) {
    if (a.models.plan('iris') === undefined) off = Date.now();
    else await new Promise((res) => setImmediate(res));
  }
  stop = true;
  await client;
  await ticker.stop();
  const last = controller.status('iris')!;
  // From the nominal close of the step's window (it grows while the canary has too few requests to judge), and from
  // the decision itself (the judging tick): the second shows what analysis and the plan change cost.
  const fromDecision = off - last.decisions.at(-1)!.window.to;
  lags.push(off - windowCloses);
  decide.push(fromDecision);
  console.log(
    `  round ${r + 1}: ${last.phase} after ${last.decisions.length} decision(s); weight 0 ${(off - windowCloses).toFixed(0)} ms after the window's nominal close, ${fromDecision.toFixed(0)} ms after the judging tick`,
  );
}
console.log(
  `time from failing window to canary weight 0: median ${median(lags).toFixed(0)} ms (min–max ${Math.min(...lags).toFixed(0)}–${Math.max(...lags).toFixed(0)}) after the nominal close; median ${median(decide).toFixed(0)} ms (min–max ${Math.min(...decide).toFixed(0)}–${Math.max(...decide).toFixed(0)}) after the judging tick (ticks every 200 ms)`,
);

await Promise.all([a.close(), b.close(), c.close()]);
await db.close();
rmSync(dir, { recursive: true, force: true });
