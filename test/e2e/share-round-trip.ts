// The clone round trip shared by the filesystem and S3 variants of the sharing e2e test.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cli } from '../helpers/cli.js';
import { FIXTURES, tempDir } from '../helpers/temp-workspace.js';
import { iris, trainSoftmax, writeDenseModel } from '../registry/fixtures.js';

/** path → sha256 of every file under `dir` (the byte-identity check). */
function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' },
  });

function ok(r: { code: number; stdout: string; stderr: string }, what: string): string {
  assert.equal(r.code, 0, `${what}: ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * Workspace A and a `git clone` B with a remote that may be a folder or an S3 URL: A versions data, runs the
 * pipeline, registers a model, moves an alias and pushes; B gets everything back byte-identical with `slipway pull`.
 */
export async function shareRoundTrip(remoteUrl: string, env: Record<string, string> = {}): Promise<void> {
  const t = tempDir();
  try {
    const a = join(t.dir, 'a');
    const markerA = join(t.dir, 'ran-a.log');
    const markerB = join(t.dir, 'ran-b.log');
    mkdirSync(join(a, 'data'), { recursive: true });
    copyFileSync(join(FIXTURES, 'tabular', 'iris.csv'), join(a, 'data', 'iris.csv'));
    writeFileSync(
      join(a, 'prepare.mjs'),
      `import fs from 'node:fs';\nfs.mkdirSync('prepared', { recursive: true });\nfs.writeFileSync('prepared/train.csv', fs.readFileSync('data/iris.csv', 'utf8').split('\\n').slice(0, 120).join('\\n'));\nfs.appendFileSync(process.env.MARKER, 'prepare\\n');\n`,
    );
    writeFileSync(
      join(a, 'train.mjs'),
      `import fs from 'node:fs';\nfs.cpSync('tpl', 'model', { recursive: true });\nfs.appendFileSync(process.env.MARKER, 'train\\n');\n`,
    );
    const d = iris();
    writeDenseModel(join(a, 'tpl'), trainSoftmax(d, 4, 3, 5), { features: 4, classes: 3 });
    git(a, 'init', '-q');
    ok(cli(['init'], { cwd: a }), 'init A');
    writeFileSync(
      join(a, 'slipway.yaml'),
      `stages:\n  prepare:\n    cmd: node prepare.mjs\n    deps: [prepare.mjs, data/iris.csv]\n    outs: [prepared]\n  train:\n    cmd: node train.mjs\n    deps: [train.mjs, prepared, tpl]\n    outs: [model]\nremotes:\n  origin:\n    url: ${JSON.stringify(remoteUrl)}\n`,
    );
    const envA = { ...env, MARKER: markerA };
    ok(cli(['data', 'add', 'data', '--name', 'iris', '-m', 'first'], { cwd: a, env: envA }), 'data add 1');
    mkdirSync(join(t.dir, 'extra'));
    writeFileSync(join(t.dir, 'extra', 'notes.txt'), 'second version\n');
    copyFileSync(join(FIXTURES, 'tabular', 'iris.csv'), join(t.dir, 'extra', 'iris.csv'));
    ok(cli(['data', 'add', join(t.dir, 'extra'), '--name', 'iris', '-m', 'second'], { cwd: a, env: envA }), 'data add 2');
    ok(cli(['repro'], { cwd: a, env: envA }), 'repro A');
    assert.equal(readFileSync(markerA, 'utf8'), 'prepare\ntrain\n');
    ok(cli(['models', 'register', 'iris-model', '--from', 'model'], { cwd: a, env: envA }), 'register');
    ok(cli(['models', 'alias', 'iris-model@1', 'production'], { cwd: a, env: envA }), 'alias');
    const pushed = ok(cli(['push', '--json'], { cwd: a, env: envA }), 'push');
    assert.ok((JSON.parse(pushed) as { transferred: number }).transferred > 0);
    // Nothing left to push: status --remote is in sync on A.
    assert.equal(
      (JSON.parse(ok(cli(['status', '--remote', '--json'], { cwd: a, env: envA }), 'status A')) as { inSync: boolean }).inSync,
      true,
    );
    assert.ok(existsSync(join(a, 'slipway', 'datasets', 'iris.yaml')), 'dataset pointer file written');
    assert.ok(existsSync(join(a, 'slipway', 'models', 'iris-model.yaml')), 'model pointer file written');
    git(a, 'add', '-A');
    git(a, 'commit', '-q', '-m', 'pipeline, data and model pointers');
    assert.equal(git(a, 'status', '--porcelain'), '', 'slipway/ and slipway.lock are committed; .slipway/ is ignored');

    // B: a fresh clone, then init and pull — nothing else.
    const b = join(t.dir, 'b');
    git(t.dir, 'clone', '-q', a, b);
    const envB = { ...env, MARKER: markerB };
    ok(cli(['init'], { cwd: b, env: envB }), 'init B');
    ok(cli(['pull'], { cwd: b, env: envB }), 'pull B');
    // The committed pointer files name the versions; B's store must hold exactly A's bytes for each of them.
    const pointer = readFileSync(join(a, 'slipway', 'datasets', 'iris.yaml'), 'utf8');
    const sources: Record<string, string> = { 'iris@1': join(a, 'data'), 'iris@2': join(t.dir, 'extra') };
    for (const ref of ['iris@1', 'iris@2']) {
      const shown = JSON.parse(ok(cli(['data', 'show', ref, '--json'], { cwd: b, env: envB }), 'show B')) as { treeHash: string };
      assert.ok(pointer.includes(shown.treeHash), `${ref} tree comes from the pointer file`);
      ok(cli(['data', 'checkout', ref, join(t.dir, `co-b-${ref}`)], { cwd: b, env: envB }), 'checkout B');
      assert.deepEqual(hashes(join(t.dir, `co-b-${ref}`)), hashes(sources[ref]!));
    }
    for (const out of ['prepared', 'model']) assert.deepEqual(hashes(join(b, out)), hashes(join(a, out)), `output ${out}`);
    const mvB = JSON.parse(ok(cli(['models', 'show', 'iris-model:production', '--json'], { cwd: b, env: envB }), 'model B')) as {
      treeHash: string;
      version: number;
    };
    assert.equal(mvB.version, 1);
    assert.ok(readFileSync(join(a, 'slipway', 'models', 'iris-model.yaml'), 'utf8').includes(mvB.treeHash));
    // Content addressing: the same tree hash plus a clean fsck (which re-hashes every object) is byte identity.
    assert.match(ok(cli(['status'], { cwd: b, env: envB }), 'status B'), /up to date/);
    ok(cli(['fsck'], { cwd: b, env: envB }), 'fsck B');
    assert.equal(
      (JSON.parse(ok(cli(['status', '--remote', '--json'], { cwd: b, env: envB }), 'status B')) as { inSync: boolean }).inSync,
      true,
    );
    assert.equal(git(b, 'status', '--porcelain'), '', 'pull leaves the clone clean');

    // B's repro restores from the run cache: nothing runs.
    rmSync(join(b, 'prepared'), { recursive: true });
    rmSync(join(b, 'model'), { recursive: true });
    ok(cli(['repro'], { cwd: b, env: envB }), 'repro B');
    assert.equal(existsSync(markerB), false, 'no stage ran in B');
    for (const out of ['prepared', 'model']) assert.deepEqual(hashes(join(b, out)), hashes(join(a, out)), `restored ${out}`);

    // One thing at a time: a third clone pulls only iris@1.
    const c = join(t.dir, 'c');
    git(t.dir, 'clone', '-q', a, c);
    ok(cli(['init'], { cwd: c, env: envB }), 'init C');
    ok(cli(['pull', 'iris@1', '--no-checkout'], { cwd: c, env: envB }), 'pull one');
    const st = JSON.parse(ok(cli(['data', 'status', '--json'], { cwd: c, env: envB }), 'data status C')) as {
      ref: string;
      missingLocal: number;
    }[];
    assert.deepEqual(
      st.map((s) => [s.ref, s.missingLocal === 0]),
      [
        ['iris@1', true],
        ['iris@2', false],
      ],
    );
  } finally {
    t.cleanup();
  }
}
