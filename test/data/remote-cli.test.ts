import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { copyFileSync, readFileSync, readdirSync } from 'node:fs';
import { cli } from '../helpers/cli.js';
import { tempWorkspace, tempDir } from '../helpers/temp-workspace.js';
import { s3FromEnv, s3TestPrefix } from '../helpers/s3-test-prefix.js';

const s3 = s3FromEnv();

test('remote add keeps slipway.yaml comments; data push and pull move a dataset between workspaces', () => {
  const a = tempWorkspace({ 'd/x.txt': 'x', 'd/y/z.txt': 'z' });
  const b = tempWorkspace();
  const shared = tempDir();
  try {
    const remoteDir = join(shared.dir, 'store');
    assert.equal(cli(['data', 'add', 'd', '--name', 'd'], { cwd: a.dir }).stdout.trim(), 'd@1');
    const add = cli(['remote', 'add', 'origin', remoteDir], { cwd: a.dir });
    assert.equal(add.code, 0, add.stderr);
    const yaml = readFileSync(a.ws.configPath, 'utf8');
    assert.match(yaml, /# Slipway workspace configuration/, 'comments survive');
    assert.match(yaml, /remotes:\s*\n\s+origin:\s*\n\s+url: /);
    const push = JSON.parse(cli(['data', 'push', 'd@1', '--json'], { cwd: a.dir }).stdout);
    assert.equal(push.transferred, 3);
    assert.equal(readdirSync(remoteDir).length > 0, true);

    // Workspace b knows the version (same metadata) but has none of the objects.
    copyFileSync(a.ws.dbPath, b.ws.dbPath);
    copyFileSync(a.ws.configPath, b.ws.configPath);
    const list = JSON.parse(cli(['remote', 'list', '--json'], { cwd: b.dir }).stdout);
    assert.deepEqual(list, [{ name: 'origin', url: remoteDir }]);
    assert.equal(cli(['fsck'], { cwd: b.dir }).code, 1, 'objects missing before the pull');
    const pull = cli(['data', 'pull', 'd'], { cwd: b.dir });
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /pulled 3 objects/);
    const co = cli(['data', 'checkout', 'd', 'out'], { cwd: b.dir });
    assert.equal(co.code, 0, co.stderr);
    assert.equal(readFileSync(join(b.dir, 'out', 'y', 'z.txt'), 'utf8'), 'z');

    assert.equal(cli(['remote', 'remove', 'origin'], { cwd: b.dir }).code, 0);
    const none = cli(['data', 'push'], { cwd: b.dir });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /REMOTE_NOT_FOUND/);
    assert.match(readFileSync(b.ws.configPath, 'utf8'), /# Slipway workspace configuration/);
  } finally {
    a.cleanup();
    b.cleanup();
    shared.cleanup();
  }
});

test('data push and pull move a dataset between workspaces through an s3:// remote', { skip: 'skip' in s3 ? s3.skip : false }, async () => {
  if (!('settings' in s3)) return;
  const a = tempWorkspace({ 'd/x.txt': 'x', 'd/y/z.txt': 'z', 'd/big.bin': Buffer.alloc(2 * 1024 * 1024 + 3, 9) });
  const b = tempWorkspace();
  const prefix = s3TestPrefix(s3.settings, s3.bucket);
  try {
    assert.equal(cli(['data', 'add', 'd', '--name', 'd'], { cwd: a.dir }).stdout.trim(), 'd@1');
    const add = cli(['remote', 'add', 'origin', prefix.url], { cwd: a.dir });
    assert.equal(add.code, 0, add.stderr);
    const push = cli(['data', 'push', 'd@1', '--json'], { cwd: a.dir });
    assert.equal(push.code, 0, push.stderr);
    assert.equal(JSON.parse(push.stdout).transferred, 4);
    const again = JSON.parse(cli(['data', 'push', '--json'], { cwd: a.dir }).stdout);
    assert.deepEqual([again.transferred, again.skipped], [0, 4], 'a second push finds everything there');

    copyFileSync(a.ws.dbPath, b.ws.dbPath);
    copyFileSync(a.ws.configPath, b.ws.configPath);
    const pull = cli(['data', 'pull', 'd', '--json'], { cwd: b.dir });
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(JSON.parse(pull.stdout).transferred, 4);
    assert.equal(cli(['fsck'], { cwd: b.dir }).code, 0);
    const co = cli(['data', 'checkout', 'd', 'out'], { cwd: b.dir });
    assert.equal(co.code, 0, co.stderr);
    assert.equal(readFileSync(join(b.dir, 'out', 'y', 'z.txt'), 'utf8'), 'z');
    assert.equal(readFileSync(join(b.dir, 'out', 'big.bin')).length, 2 * 1024 * 1024 + 3);

    // Without credentials the CLI names the variables to set instead of failing deep in the SDK.
    const nocred = cli(['data', 'push', 'd'], { cwd: b.dir, env: { S3_ACCESS_KEY_ID: '', AWS_ACCESS_KEY_ID: '' } });
    assert.equal(nocred.code, 2);
    assert.match(nocred.stderr, /CONFIG_INVALID/);
  } finally {
    a.cleanup();
    b.cleanup();
    await prefix.cleanup();
  }
});
