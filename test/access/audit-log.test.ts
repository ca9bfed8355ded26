import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { openDb } from '../../src/meta/index.js';
import { auditHash, listAudit, recordAudit, verifyAudit } from '../../src/access/index.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { cli } from '../helpers/cli.js';

async function chain(n: number): Promise<{ path: string; cleanup: () => void; dir: string }> {
  const t = tempWorkspace();
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  for (let i = 1; i <= n; i++)
    await recordAudit(db, { actor: `user${i}`, action: 'run.create', target: `run-${i}`, source: '10.0.0.1', change: { i } });
  await db.close();
  return { path: t.ws.dbPath, cleanup: t.cleanup, dir: t.dir };
}

async function verify(path: string, head?: string) {
  const db = await openDb({ sqlitePath: path });
  try {
    return await verifyAudit(db, { head });
  } finally {
    await db.close();
  }
}

test('the chain links every entry to the one before; an untouched chain verifies', async () => {
  const c = await chain(5);
  try {
    const db = await openDb({ sqlitePath: c.path });
    const entries = await listAudit(db);
    await db.close();
    assert.equal(entries.length, 5);
    for (let i = 1; i < entries.length; i++) assert.equal(entries[i]!.prevHash, entries[i - 1]!.hash);
    assert.deepEqual(entries[2]!.change, { i: 3 });
    const r = await verify(c.path, entries.at(-1)!.hash);
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.entries, 5);
  } finally {
    c.cleanup();
  }
});

test('editing an entry in the database is detected at that entry', async () => {
  const c = await chain(5);
  try {
    const raw = new Database(c.path);
    raw.prepare(`UPDATE audit_chain SET actor = 'ceo' WHERE seq = 3`).run();
    raw.close();
    const r = await verify(c.path);
    assert.equal(r.ok, false);
    assert.deepEqual([...new Set(r.problems.map((p) => p.seq))], [3]);
  } finally {
    c.cleanup();
  }
});

test('editing an entry and recomputing its hash still breaks the next link', async () => {
  const c = await chain(5);
  try {
    // The forger rewrites entry 2 and gives it a hash that matches its new content, as anyone with the database can.
    const raw = new Database(c.path);
    const row = raw.prepare(`SELECT * FROM audit_chain WHERE seq = 2`).get() as Record<string, string | number | null>;
    const changeJson = '{"i":99}';
    const forged = auditHash({
      seq: 2,
      id: String(row.id),
      at: Number(row.at),
      actor: String(row.actor),
      source: row.source === null ? null : String(row.source),
      action: String(row.action),
      target: String(row.target),
      changeJson,
      prevHash: String(row.prev_hash),
    });
    assert.notEqual(forged, row.hash);
    raw.prepare(`UPDATE audit_chain SET change_json = ?, hash = ? WHERE seq = 2`).run(changeJson, forged);
    raw.close();
    const r = await verify(c.path);
    assert.equal(r.ok, false);
    assert.ok(!r.problems.some((p) => p.seq === 2), JSON.stringify(r.problems));
    assert.ok(
      r.problems.some((p) => p.seq === 3 && /link/.test(p.problem)),
      JSON.stringify(r.problems),
    );
  } finally {
    c.cleanup();
  }
});

test('deleting an entry in the middle is detected; cutting the tail is detected against a kept head', async () => {
  const c = await chain(6);
  try {
    const before = await verify(c.path);
    const raw = new Database(c.path);
    raw.prepare(`DELETE FROM audit_chain WHERE seq = 3`).run();
    raw.close();
    const mid = await verify(c.path);
    assert.equal(mid.ok, false);
    assert.ok(mid.problems.some((p) => p.seq === 4));
    const raw2 = new Database(c.path);
    raw2.prepare(`DELETE FROM audit_chain WHERE seq >= 3`).run();
    raw2.close();
    assert.equal((await verify(c.path)).ok, true); // a shorter chain is self-consistent…
    const cut = await verify(c.path, before.head); // …but the head seen earlier is gone
    assert.equal(cut.ok, false);
  } finally {
    c.cleanup();
  }
});

test('CLI: auth token create shows the token once and stores only its hash; audit log/verify see it; tampering exits 1', async () => {
  const c = await chain(2);
  try {
    const made = cli(['auth', 'token', 'create', '--name', 'ci', '--role', 'deployer', '--json'], { cwd: c.dir });
    assert.equal(made.code, 0, made.stderr);
    const token = JSON.parse(made.stdout).token as string;
    assert.match(token, /^slw_/);
    const raw = new Database(c.path);
    const rows = raw.prepare(`SELECT * FROM access_tokens`).all();
    assert.ok(!JSON.stringify(rows).includes(token));
    assert.ok(!JSON.stringify(raw.prepare(`SELECT * FROM audit_chain`).all()).includes(token));
    raw.close();
    const log = cli(['audit', 'log', '--json'], { cwd: c.dir });
    assert.equal(log.code, 0, log.stderr);
    const actions = (JSON.parse(log.stdout).entries as { action: string; actor: string }[]).map((e) => e.action);
    assert.ok(actions.includes('token.create') && actions.includes('identity.create'));
    assert.equal(cli(['audit', 'verify'], { cwd: c.dir }).code, 0);
    const raw2 = new Database(c.path);
    raw2.prepare(`UPDATE audit_chain SET target = 'x' WHERE seq = 1`).run();
    raw2.close();
    const bad = cli(['audit', 'verify', '--json'], { cwd: c.dir });
    assert.equal(bad.code, 1);
    assert.equal(JSON.parse(bad.stdout).ok, false);
  } finally {
    c.cleanup();
  }
});

test('CLI writes are audited (data add, models alias) with the local identity; reads are not', async () => {
  const t = tempWorkspace({ 'd/a.csv': 'x,y\n1,2\n' });
  try {
    assert.equal(cli(['data', 'add', 'd', '--name', 'ds'], { cwd: t.dir }).code, 0);
    assert.equal(cli(['data', 'list'], { cwd: t.dir }).code, 0);
    const log = cli(['audit', 'log', '--json'], { cwd: t.dir });
    const entries = JSON.parse(log.stdout).entries as { action: string; actor: string; source: string; target: string }[];
    const add = entries.find((e) => e.action === 'cli.data.add');
    assert.ok(add, log.stdout);
    assert.match(add.actor, /^local:/);
    assert.equal(add.source, 'cli');
    assert.ok(!entries.some((e) => e.action.startsWith('cli.data.list')));
    assert.equal(cli(['audit', 'verify'], { cwd: t.dir }).code, 0);
  } finally {
    t.cleanup();
  }
});
