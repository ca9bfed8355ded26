// One registry suite, run over the SDK functions and over HTTP (a real server on port 0): both must behave alike.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { tempWorkspace, FIXTURES } from '../helpers/temp-workspace.js';
import { openDb, type Db } from '../../src/meta/index.js';
import { openObjectStore, type ObjectStore } from '../../src/store/index.js';
import { SlipwayError, isSlipwayError, type ErrorCode } from '../../src/errors/index.js';
import { loadConfig } from '../../src/config/index.js';
import { buildServer } from '../../src/server/app.js';
import * as sdk from '../../src/registry/index.js';
import { promotionGateCheck, type GateReport } from '../../src/gates/index.js';
import { iris, trainSoftmax, writeDenseModel } from '../registry/fixtures.js';

/** The registry operations both backends offer. */
interface RegistryApi {
  register(name: string, path: string): Promise<sdk.ModelVersion>;
  list(): Promise<sdk.ModelSummary[]>;
  resolve(name: string, ref: string): Promise<sdk.ModelVersion>;
  setAlias(name: string, alias: string, version: number, expected?: number | null): Promise<sdk.AliasMove>;
  rollback(name: string, alias: string): Promise<sdk.AliasMove>;
  history(name: string, alias?: string): Promise<sdk.AliasMove[]>;
  promote(
    name: string,
    version: number,
    alias: string,
    opts?: { force?: boolean; reason?: string },
  ): Promise<{ move: sdk.AliasMove; gateReport: GateReport | null }>;
  diff(name: string, a: number, b: number): Promise<sdk.VersionDiff>;
}

interface Env {
  api: RegistryApi;
  dir: string;
  close(): Promise<void>;
}

function workspace(): { ws: ReturnType<typeof tempWorkspace>; db: Promise<Db>; store: ObjectStore } {
  const ws = tempWorkspace();
  const d = iris();
  writeDenseModel(join(ws.dir, 'good'), trainSoftmax(d, 4, 3, 300), { features: 4, classes: 3, labels: d.classNames });
  writeDenseModel(join(ws.dir, 'weak'), trainSoftmax(d, 4, 3, 3), { features: 4, classes: 3, labels: d.classNames });
  writeFileSync(
    join(ws.dir, 'slipway.yaml'),
    `stages: {}\ngates:\n  iris:\n    dataset: ${join(FIXTURES, 'tabular', 'iris.csv')}\n    rules:\n      - metric: accuracy\n        min: 0.9\n`,
  );
  return { ws, db: openDb({ sqlitePath: ws.ws.dbPath }), store: openObjectStore(ws.ws.objectsDir) };
}

async function sdkEnv(): Promise<Env> {
  const { ws, db: dbp, store } = workspace();
  const db = await dbp;
  const gates = (): ReturnType<typeof loadConfig>['gates'] => loadConfig(ws.ws.configPath).gates;
  const api: RegistryApi = {
    register: (name, path) => sdk.registerModel(db, store, { name, from: { path: join(ws.dir, path) } }),
    list: () => sdk.listModels(db),
    resolve: (name, ref) => sdk.resolveModelRef(db, /^[0-9]+$|^latest$/.test(ref) ? `${name}@${ref}` : `${name}:${ref}`),
    setAlias: (name, alias, version, expected) => sdk.setAlias(db, { model: name, alias, version, actor: 'api', expected }),
    rollback: (name, alias) => sdk.rollbackAlias(db, { model: name, alias, actor: 'api' }),
    history: (name, alias) => sdk.aliasHistory(db, name, { alias }),
    promote: async (name, version, alias, opts = {}) => {
      let gateReport: GateReport | null = null;
      const checkGates = promotionGateCheck(db, store, { gates: gates(), root: ws.dir, onReport: (r) => (gateReport = r) });
      const r = await sdk.promote(db, { ref: `${name}@${version}`, alias, actor: 'api', ...opts, checkGates });
      return { move: r.move, gateReport };
    },
    diff: (name, a, b) => sdk.diffVersions(db, `${name}@${a}`, `${name}@${b}`),
  };
  return { api, dir: ws.dir, close: async () => (await db.close(), ws.cleanup()) };
}

async function httpEnv(): Promise<Env> {
  const { ws, db: dbp, store } = workspace();
  const db = await dbp;
  const app: FastifyInstance = await buildServer({ workspace: ws.ws, db, store });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T & { error?: { code: string; message: string } };
    if (!res.ok) throw new SlipwayError((json.error?.code ?? 'INTERNAL') as ErrorCode, json.error?.message ?? `HTTP ${res.status}`);
    return json;
  };
  const api: RegistryApi = {
    register: async (name, path) => (await call<{ version: sdk.ModelVersion }>('POST', `/api/models/${name}/versions`, { path })).version,
    list: async () => (await call<{ models: sdk.ModelSummary[] }>('GET', '/api/models')).models,
    resolve: async (name, ref) => (await call<{ version: sdk.ModelVersion }>('GET', `/api/models/${name}/resolve/${ref}`)).version,
    setAlias: async (name, alias, version, expected) =>
      (await call<{ move: sdk.AliasMove }>('PUT', `/api/models/${name}/aliases/${alias}`, { version, expected })).move,
    rollback: async (name, alias) =>
      (await call<{ move: sdk.AliasMove }>('POST', `/api/models/${name}/aliases/${alias}/rollback`, {})).move,
    history: async (name, alias) =>
      (await call<{ history: sdk.AliasMove[] }>('GET', `/api/models/${name}/history${alias ? `?alias=${alias}` : ''}`)).history,
    promote: (name, version, alias, opts = {}) => call('POST', `/api/models/${name}/aliases/${alias}/promote`, { version, ...opts }),
    diff: async (name, a, b) => (await call<{ diff: sdk.VersionDiff }>('GET', `/api/models/${name}/diff?a=${a}&b=${b}`)).diff,
  };
  return { api, dir: ws.dir, close: async () => (await app.close(), await db.close(), ws.cleanup()) };
}

const code = (c: ErrorCode) => (e: unknown) => isSlipwayError(e, c);

for (const [label, make] of [
  ['sdk', sdkEnv],
  ['http', httpEnv],
] as const) {
  describe(`registry contract over ${label}`, () => {
    let env: Env;
    before(async () => {
      env = await make();
    });
    after(async () => env.close());

    test('register, list, resolve', async () => {
      const v1 = await env.api.register('iris', 'good');
      const v2 = await env.api.register('iris', 'weak');
      assert.deepEqual([v1.version, v2.version, v1.format], [1, 2, 'slipway']);
      const [m] = await env.api.list();
      assert.deepEqual([m?.name, m?.versions, m?.latestVersion], ['iris', 2, 2]);
      assert.equal((await env.api.resolve('iris', '1')).treeHash, v1.treeHash);
      assert.equal((await env.api.resolve('iris', 'latest')).version, 2);
      await assert.rejects(env.api.resolve('iris', '7'), code('MODEL_VERSION_NOT_FOUND'));
      await assert.rejects(env.api.resolve('iris', 'production'), code('ALIAS_NOT_FOUND'));
      await assert.rejects(env.api.resolve('nope', '1'), code('MODEL_NOT_FOUND'));
      await assert.rejects(env.api.register('iris', 'missing'), code('MODEL_SOURCE_INVALID'));
    });

    test('aliases: set, compare-and-set conflict, reserved names, history, rollback', async () => {
      assert.equal((await env.api.setAlias('iris', 'staging', 1)).to, 1);
      await assert.rejects(env.api.setAlias('iris', 'staging', 2, 2), code('ALIAS_CONFLICT'));
      await assert.rejects(env.api.setAlias('iris', 'latest', 2), code('ALIAS_RESERVED'));
      await assert.rejects(env.api.setAlias('iris', 'v3', 2), code('ALIAS_RESERVED'));
      assert.equal((await env.api.setAlias('iris', 'staging', 2, 1)).from, 1);
      const back = await env.api.rollback('iris', 'staging');
      assert.deepEqual([back.from, back.to, back.kind], [2, 1, 'rollback']);
      await assert.rejects(env.api.rollback('iris', 'staging'), code('ALIAS_NO_PREVIOUS'));
      const h = await env.api.history('iris', 'staging');
      assert.deepEqual(
        h.map((m) => [m.from, m.to, m.kind]),
        [
          [null, 1, 'move'],
          [1, 2, 'move'],
          [2, 1, 'rollback'],
        ],
      );
    });

    test('promote runs the gates: pass moves, fail refuses, force needs a reason', async () => {
      const ok = await env.api.promote('iris', 1, 'production');
      assert.equal(ok.move.to, 1);
      assert.equal(ok.gateReport?.passed, true);
      await assert.rejects(env.api.promote('iris', 2, 'production'), code('GATES_NOT_PASSED'));
      await assert.rejects(env.api.promote('iris', 2, 'production', { force: true }), code('FORCE_NEEDS_REASON'));
      assert.equal((await env.api.resolve('iris', 'production')).version, 1);
      const forced = await env.api.promote('iris', 2, 'production', { force: true, reason: 'contract test' });
      assert.equal(forced.move.forced, true);
      assert.equal(forced.gateReport?.passed, false);
    });

    test('diff compares two versions', async () => {
      const d = await env.api.diff('iris', 1, 2);
      assert.equal(d.signature.same, true);
      assert.equal(d.sameArtifact, false);
    });
  });
}
