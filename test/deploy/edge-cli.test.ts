import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { FIXTURES, tempDir } from '../helpers/temp-workspace.js';

test('slipway export MODEL@N --target web -o DIR bundles a registered version; bad targets and busy folders are usage errors', () => {
  const t = tempDir();
  try {
    assert.equal(cli(['init'], { cwd: t.dir }).code, 0);
    mkdirSync(join(t.dir, 'm'));
    cpSync(join(FIXTURES, 'onnx', 'torch-mnist-cnn.onnx'), join(t.dir, 'm', 'model.onnx'));
    const reg = cli(['models', 'register', 'torch', '--from', 'm'], { cwd: t.dir });
    assert.equal(reg.code, 0, reg.stderr);
    const r = cli(['export', 'torch@1', '--target', 'web', '-o', 'site', '--json'], { cwd: t.dir });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { target: string; files: { path: string; bytes: number }[]; totalBytes: number };
    assert.equal(out.target, 'web');
    for (const f of ['index.html', 'app.js', 'model.js', 'manifest.json', 'model.onnx', 'ort/ort-wasm-simd-threaded.wasm'])
      assert.ok(existsSync(join(t.dir, 'site', f)), f);
    const manifest = JSON.parse(readFileSync(join(t.dir, 'site', 'manifest.json'), 'utf8')) as {
      model: string;
      version: number;
      input: { name: string };
    };
    assert.equal(manifest.model, 'torch');
    assert.equal(manifest.version, 1);
    assert.equal(manifest.input.name, 'image');
    assert.deepEqual(readFileSync(join(t.dir, 'site', 'model.onnx')), readFileSync(join(FIXTURES, 'onnx', 'torch-mnist-cnn.onnx')));
    // The page refers to nothing outside the folder.
    for (const f of ['index.html', 'app.js', 'model.js'])
      assert.doesNotMatch(readFileSync(join(t.dir, 'site', f), 'utf8'), /https?:\/\//, f);
    const again = cli(['export', 'torch@1', '--target', 'web', '-o', 'site'], { cwd: t.dir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /USAGE/);
    const bad = cli(['export', 'torch@1', '--target', 'phone'], { cwd: t.dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /USAGE/);
  } finally {
    t.cleanup();
  }
});
