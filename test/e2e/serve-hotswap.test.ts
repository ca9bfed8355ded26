import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startModelServer } from '../../src/serving/index.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { registerModel, setAlias } from '../../src/registry/index.js';
import { tempWorkspace, writeFiles } from '../helpers/temp-workspace.js';
import { tinyPredict, writeTinyOnnx, TINY_SIGNATURE } from '../serving/tiny-onnx.js';

test('hot swap: the server follows the production alias with no failed request; a version that fails to load never replaces the served one', async () => {
  const { ws, dir, cleanup } = tempWorkspace();
  const db = await openDb({ sqlitePath: ws.dbPath });
  const store = openObjectStore(join(ws.stateDir, 'objects'));
  try {
    await registerModel(db, store, { name: 'iris', from: { path: writeTinyOnnx(join(dir, 'v1')) } });
    await registerModel(db, store, { name: 'iris', from: { path: writeTinyOnnx(join(dir, 'v2'), { scale: 2 }) } });
    // v3 registers (its signature is fine) but its model.json is not a loadable engine model.
    writeFiles(dir, { 'v3/model.json': '{"format":"slipway-sequential","formatVersion":1,"layers":"broken"}', 'v3/weights.bin': '' });
    writeFileSync(join(dir, 'v3', 'signature.json'), JSON.stringify(TINY_SIGNATURE));
    await registerModel(db, store, { name: 'iris', from: { path: join(dir, 'v3') } });
    await setAlias(db, { model: 'iris', alias: 'production', version: 1, actor: 'test', force: true });

    const events: string[] = [];
    const server = await startModelServer({
      db,
      store,
      models: [{ ref: 'iris' }],
      restPort: 0,
      grpcPort: null,
      pollIntervalMs: 50,
      onEvent: (e) => events.push(`${e.kind}:${e.to}`),
    });
    const url = `http://127.0.0.1:${server.restPort}/v2/models/iris/infer`;
    const body = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] });
    const seen = new Map<string, number>();
    let failures = 0;
    let stop = false;
    const client = async (): Promise<void> => {
      while (!stop) {
        const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (r.status !== 200) failures++;
        const j = (await r.json()) as { model_version: string; outputs: { data: number[] }[] };
        const want = tinyPredict(j.model_version === '2' ? [2, 4, 6, 8] : [1, 2, 3, 4]);
        if (!want.every((v, i) => Math.abs(v - j.outputs[0]!.data[i]!) < 1e-5)) failures++;
        seen.set(j.model_version, (seen.get(j.model_version) ?? 0) + 1);
      }
    };
    const clients = [client(), client(), client()];
    const waitFor = async (cond: () => boolean): Promise<void> => {
      for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
    };
    await waitFor(() => (seen.get('1') ?? 0) > 5);
    await setAlias(db, { model: 'iris', alias: 'production', version: 2, actor: 'test', force: true });
    await waitFor(() => (seen.get('2') ?? 0) > 5); // the poller picks the move up
    assert.ok((seen.get('2') ?? 0) > 5, 'the server never switched to version 2');
    await setAlias(db, { model: 'iris', alias: 'production', version: 3, actor: 'test', force: true });
    await server.refresh();
    const before = seen.get('2') ?? 0;
    await waitFor(() => (seen.get('2') ?? 0) > before + 5);
    stop = true;
    await Promise.all(clients);
    await server.close();
    assert.equal(failures, 0);
    assert.equal(seen.get('3'), undefined);
    assert.deepEqual(server.models.describe('iris').versions, [2]);
    assert.ok(events.includes('swap:2'));
    assert.ok(events.includes('load-failed:3'));
  } finally {
    await db.close();
    cleanup();
  }
});
