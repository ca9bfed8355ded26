import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { startModelServer } from '../../src/serving/index.js';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore, readTree } from '../../src/store/index.js';
import { parseModelRef, registerModel, setAlias, signModelVersion } from '../../src/registry/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { writeTinyOnnx } from './tiny-onnx.js';

test('serving.require_signature: unsigned or tampered versions are refused at load and the signed one keeps serving', async () => {
  const t = tempWorkspace();
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  try {
    for (const scale of [1, 2, 3]) {
      const f = writeTinyOnnx(join(t.dir, `m${scale}`), { scale });
      await registerModel(db, store, { name: 'iris', from: { path: join(f, 'model.onnx') } });
    }
    await signModelVersion(db, store, 'iris@1', privateKey, { actor: 'test' });
    await signModelVersion(db, store, 'iris@3', privateKey, { actor: 'test' });
    await setAlias(db, { model: 'iris', alias: 'production', version: 2, actor: 'test' });
    const opts = {
      db,
      store,
      models: [{ name: 'iris', ref: parseModelRef('iris:production') }],
      restPort: 0,
      grpcPort: null,
      pollIntervalMs: 0,
    };
    // An unsigned version cannot even start.
    await assert.rejects(
      startModelServer({ ...opts, requireSignature: { keys: [publicKey] } }),
      (e) => (isSlipwayError(e) && e.code.startsWith('SIGNATURE_')) || isSlipwayError(e, 'UNAVAILABLE'),
    );
    await setAlias(db, { model: 'iris', alias: 'production', version: 1, actor: 'test' });
    const server = await startModelServer({ ...opts, requireSignature: { keys: [publicKey] } });
    const served = async (): Promise<string> => {
      const r = await fetch(`http://127.0.0.1:${server.restPort}/v1/models/iris`);
      return ((await r.json()) as { model_version_status: { version: string; state: string }[] }).model_version_status
        .filter((s) => s.state === 'AVAILABLE')
        .map((s) => s.version)
        .join(',');
    };
    try {
      assert.equal(await served(), '1');
      // Moving production to an unsigned version: the swap fails, version 1 stays.
      await setAlias(db, { model: 'iris', alias: 'production', version: 2, actor: 'test' });
      await server.refresh().catch(() => 0);
      assert.equal(await served(), '1');
      // A signed version whose bytes were changed in the store after signing is refused as well.
      const v3 = (await db.get<{ tree_hash: string }>(`SELECT tree_hash FROM model_versions WHERE name = 'iris' AND version = 3`))!
        .tree_hash;
      const onnx = readTree(store, v3).entries.find((e) => e.path.endsWith('.onnx'))!;
      // Valid ONNX bytes (version 2's model), just not the signed ones.
      chmodSync(store.pathOf(onnx.hash), 0o644);
      writeFileSync(store.pathOf(onnx.hash), readFileSync(join(t.dir, 'm2', 'model.onnx')));
      await setAlias(db, { model: 'iris', alias: 'production', version: 3, actor: 'test' });
      await server.refresh().catch(() => 0);
      assert.equal(await served(), '1');
    } finally {
      await server.close();
    }
    // Control: without require_signature the same tampered version loads and serves.
    const open = await startModelServer(opts);
    try {
      const r = await fetch(`http://127.0.0.1:${open.restPort}/v1/models/iris`);
      assert.equal(((await r.json()) as { model_version_status: { version: string }[] }).model_version_status[0]!.version, '3');
    } finally {
      await open.close();
    }
  } finally {
    await db.close();
    t.cleanup();
  }
});
