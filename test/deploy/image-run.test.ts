import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { writeOciLayout } from '../../src/deploy/index.js';
import { startModelServer } from '../../src/serving/index.js';
import { hasTool, imageFixture, run, type ImageFixture } from './image-fixture.js';
import { prepareBundle, runContainer, waitReady } from './container-runtime.js';

const root = process.getuid?.() === 0;
const missing = !root
  ? 'running an OCI bundle needs root (crun/runc create namespaces)'
  : !hasTool('umoci')
    ? 'umoci is not installed (apt-get install umoci)'
    : undefined;

let fx: ImageFixture;
let bundle: string;
let ports: { rest: number; grpc: number };
let prepared: { user: { uid: number; gid: number }; args: string[] };

before(async () => {
  if (missing) return;
  fx = await imageFixture();
  const layout = join(fx.dir, 'layout');
  writeOciLayout(layout, await fx.build(2), 'acme/iris:2');
  // One unpack serves both runtimes (they run one after the other on the same bundle).
  bundle = join(fx.dir, 'bundle');
  run('umoci', ['unpack', '--image', `${layout}:2`, bundle]);
  ports = { rest: await freePort(), grpc: await freePort() };
  prepared = prepareBundle(bundle, ports.rest, ports.grpc);
});
after(() => fx?.cleanup());

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

const rows = [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3, 5.9, 3.0, 4.2, 1.5];

async function infer(port: number): Promise<{ model_version: string; outputs: { data: number[] }[] }> {
  const r = await fetch(`http://127.0.0.1:${port}/v2/models/iris/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'input', shape: [3, 4], datatype: 'FP32', data: rows }] }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()) as { model_version: string; outputs: { data: number[] }[] };
}

/** umoci unpacks the image; `runtime` runs it as the image's user; it answers ready and predicts as `slipway serve` does. */
async function runsUnder(runtime: 'crun' | 'runc', t: { diagnostic: (s: string) => void; skip: (s: string) => void }): Promise<void> {
  const { user, args } = prepared;
  const rest = ports.rest;
  assert.deepEqual(user, { uid: 10001, gid: 10001 });
  assert.deepEqual(args.slice(0, 7), ['node', '--single-threaded-gc', '/app/bin/slipway.js', 'serve', '/models/iris', '--host', '0.0.0.0']);
  const c = runContainer(runtime, bundle, `slipway-test-${process.pid}-${runtime}`);
  try {
    const ready = await waitReady(`http://127.0.0.1:${rest}/v2/health/ready`, c);
    if (!ready && /cgroups in hybrid mode not supported/.test(c.output())) {
      // crun 1.8 refuses hosts whose cgroup v2 hierarchy has controllers while v1 is mounted too (this sandbox).
      t.skip(`${runtime} cannot start containers on this host: "${c.output().trim()}"`);
      return;
    }
    assert.ok(ready, `the container never became ready:\n${c.output()}`);
    const status = readFileSync(`/proc/${c.pid()}/status`, 'utf8');
    assert.match(status, /^Uid:\s+10001\s/m, 'the server runs as the image user');
    const served = await infer(rest);
    assert.equal(served.model_version, '2');
    const local = await startModelServer({ models: [{ name: 'iris', dir: fx.modelDirs[1]!, version: 2 }], restPort: 0, grpcPort: null });
    try {
      const expected = await infer(local.restPort);
      assert.deepEqual(served.outputs, expected.outputs);
    } finally {
      await local.close();
    }
    t.diagnostic(`${runtime}: ready and predicting as slipway serve does`);
  } finally {
    await c.stop();
  }
}

test('the unpacked image runs under crun', { skip: missing ?? (!hasTool('crun') && 'crun is not installed (apt-get install crun)') }, (t) =>
  runsUnder('crun', t),
);

test('the unpacked image runs under runc', { skip: missing ?? (!hasTool('runc') && 'runc is not installed (apt-get install runc)') }, (t) =>
  runsUnder('runc', t),
);
