import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';

test('data add writes the pointer file; data remove takes the version out of the index and the file; gc frees the objects later', () => {
  const t = tempWorkspace({ 'one/a.txt': 'alpha', 'two/b.txt': 'beta' });
  try {
    assert.equal(cli(['data', 'add', 'one', '--name', 'd'], { cwd: t.dir }).code, 0);
    assert.equal(cli(['data', 'add', 'two', '--name', 'd'], { cwd: t.dir }).code, 0);
    const file = join(t.dir, 'slipway', 'datasets', 'd.yaml');
    assert.match(readFileSync(file, 'utf8'), /version: 2/);
    const usage = cli(['data', 'remove', 'd'], { cwd: t.dir });
    assert.equal(usage.code, 2, 'a bare name needs --all');
    const rm = cli(['data', 'remove', 'd@1', '--json'], { cwd: t.dir });
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((JSON.parse(rm.stdout) as { removed: number }).removed, 1);
    assert.doesNotMatch(readFileSync(file, 'utf8'), /version: 1\n/);
    const st = JSON.parse(cli(['data', 'status', '--json'], { cwd: t.dir }).stdout) as { ref: string; missingLocal: number }[];
    assert.deepEqual(st, [{ ref: 'd@2', files: 1, bytes: 4, missingLocal: 0 }]);
    assert.equal(cli(['data', 'remove', 'd', '--all'], { cwd: t.dir }).code, 0);
    assert.equal(existsSync(file), false, 'no version left: the pointer file goes');
  } finally {
    t.cleanup();
  }
});
