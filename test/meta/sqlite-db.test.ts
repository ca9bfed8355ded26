import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDb, migrations } from '../../src/meta/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

test('migrations apply once and transactions roll back on error', async () => {
  const t = tempDir();
  try {
    const db = await openDb({ sqlitePath: join(t.dir, 'm.db') });
    const applied = await db.all<{ id: number }>('SELECT id FROM schema_migrations');
    assert.equal(applied.length, migrations.length);
    await db.run('INSERT INTO experiments (id, name, created_at) VALUES (?, ?, ?)', ['e1', 'exp', 1]);
    await assert.rejects(
      db.tx(async (tx) => {
        await tx.run('INSERT INTO experiments (id, name, created_at) VALUES (?, ?, ?)', ['e2', 'exp2', 1]);
        throw new Error('boom');
      }),
    );
    assert.equal((await db.all('SELECT * FROM experiments')).length, 1);
    await db.close();
    const again = await openDb({ sqlitePath: join(t.dir, 'm.db') });
    assert.equal((await again.all('SELECT id FROM schema_migrations')).length, migrations.length);
    await again.close();
  } finally {
    t.cleanup();
  }
});
