import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { cli } from '../helpers/cli.js';
import { FIXTURES, tempWorkspace, tempDir, writeFiles } from '../helpers/temp-workspace.js';

test('data add/list/show/diff/checkout through the CLI, with --json and error codes', () => {
  const t = tempWorkspace({ 'sub/keep.txt': 'x' });
  try {
    const cwd = t.dir;
    mkdirSync(join(cwd, 'cancer'));
    copyFileSync(join(FIXTURES, 'tabular', 'breast_cancer.csv'), join(cwd, 'cancer', 'data.csv'));
    const add1 = cli(['data', 'add', 'cancer', '--name', 'cancer', '-m', 'full'], { cwd });
    assert.equal(add1.code, 0, add1.stderr);
    assert.equal(add1.stdout.trim(), 'cancer@1');
    // From a subfolder: the workspace is found by walking up; an unchanged add prints the existing version.
    const again = cli(['data', 'add', '../cancer', '--name', 'cancer'], { cwd: join(cwd, 'sub') });
    assert.equal(again.stdout.trim(), 'cancer@1');

    const lines = readFileSync(join(cwd, 'cancer', 'data.csv'), 'utf8').split('\n');
    writeFiles(cwd, { 'cancer/data.csv': ['100,30,malignant,benign', ...lines.slice(1, 101)].join('\n') + '\n' });
    assert.equal(cli(['data', 'add', 'cancer', '--name', 'cancer', '-m', 'first 100'], { cwd }).stdout.trim(), 'cancer@2');

    const list = JSON.parse(cli(['data', 'list', '--json'], { cwd }).stdout) as { name: string; version: number; versions: number }[];
    assert.deepEqual(
      list.map((r) => [r.name, r.version, r.versions]),
      [['cancer', 2, 2]],
    );

    const show = JSON.parse(cli(['data', 'show', 'cancer@1', '--json'], { cwd }).stdout);
    assert.equal(show.version, 1);
    assert.equal(show.files, 1);
    assert.equal(show.bytes, 119913);
    assert.match(show.treeHash, /^[0-9a-f]{64}$/);
    assert.equal(show.profile.files['data.csv'].rows, 569);
    assert.equal(show.profile.files['data.csv'].columns[0].histogram.counts.length, 10);
    assert.match(cli(['data', 'show', 'cancer'], { cwd }).stdout, /cancer@2[\s\S]*rows 100/);

    const diff = JSON.parse(cli(['data', 'diff', 'cancer@1', 'cancer@2', '--json'], { cwd }).stdout);
    assert.deepEqual(
      diff.changed.map((c: { path: string }) => c.path),
      ['data.csv'],
    );
    assert.deepEqual(diff.profiles[0].rows, { from: 569, to: 100, delta: -469 });

    const out = tempDir();
    const co = cli(['data', 'checkout', 'cancer@1', join(out.dir, 'v1')], { cwd });
    assert.equal(co.code, 0, co.stderr);
    assert.equal(
      readFileSync(join(out.dir, 'v1', 'data.csv'), 'utf8'),
      readFileSync(join(FIXTURES, 'tabular', 'breast_cancer.csv'), 'utf8'),
    );
    out.cleanup();

    const unknown = cli(['data', 'show', 'nope'], { cwd });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /error\[DATASET_NOT_FOUND\]/);
    assert.doesNotMatch(unknown.stderr, /\n\s+at /, 'no stack trace');
    assert.match(cli(['data', 'show', 'cancer@7'], { cwd }).stderr, /DATASET_VERSION_NOT_FOUND/);
    assert.ok(!existsSync(join(cwd, 'v1')));
  } finally {
    t.cleanup();
  }
});

test('outside a workspace data commands fail with WORKSPACE_NOT_FOUND and exit 2', () => {
  const t = tempDir();
  try {
    const r = cli(['data', 'list'], { cwd: t.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /WORKSPACE_NOT_FOUND/);
  } finally {
    t.cleanup();
  }
});

test('fsck exits 1 naming a corrupted object', () => {
  const t = tempWorkspace({ 'd/a.txt': 'alpha', 'd/b.txt': 'beta' });
  try {
    const cwd = t.dir;
    assert.equal(cli(['data', 'add', 'd', '--name', 'd'], { cwd }).code, 0);
    const show = JSON.parse(cli(['data', 'show', 'd', '--json'], { cwd }).stdout) as { entries: { path: string; hash: string }[] };
    const a = show.entries.find((e) => e.path === 'a.txt')!.hash;
    const p = join(t.ws.objectsDir, a.slice(0, 2), a.slice(2));
    chmodSync(p, 0o644);
    writeFileSync(p, 'alphA');
    const r = cli(['fsck'], { cwd });
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`corrupt ${a}`));
  } finally {
    t.cleanup();
  }
});
