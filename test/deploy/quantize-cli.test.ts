import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startModelServer } from '../../src/serving/index.js';
import { cli } from '../helpers/cli.js';
import { FIXTURES, tempDir } from '../helpers/temp-workspace.js';

test('slipway quantize MODEL --calibration DATA registers an int8 child version that serves like any other', async () => {
  const t = tempDir();
  try {
    assert.equal(cli(['init'], { cwd: t.dir }).code, 0);
    mkdirSync(join(t.dir, 'm'));
    cpSync(join(FIXTURES, 'onnx', 'torch-mnist-cnn.onnx'), join(t.dir, 'm', 'model.onnx'));
    cpSync(join(FIXTURES, 'mnist'), join(t.dir, 'data', 'mnist'), { recursive: true });
    assert.equal(cli(['models', 'register', 'torch', '--from', 'm'], { cwd: t.dir }).code, 0);
    const r = cli(
      [
        'quantize',
        'torch@1',
        '--calibration',
        'data/mnist',
        '--samples',
        '128',
        '--max-drop',
        '0.005',
        '--target',
        'embedded',
        '-o',
        't8.onnx',
        '--json',
      ],
      {
        cwd: t.dir,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      version: string;
      parent: string;
      passed: boolean;
      calibration: { samples: number };
      fp32: { bytes: number; accuracy: number };
      int8: { bytes: number; accuracy: number };
    };
    assert.equal(out.version, 'torch@2');
    assert.equal(out.parent, 'torch@1');
    assert.equal(out.calibration.samples, 128);
    assert.ok(out.passed);
    assert.ok(out.fp32.accuracy - out.int8.accuracy <= 0.005);
    assert.equal(statSync(join(t.dir, 't8.onnx')).size, out.int8.bytes);
    const show = cli(['models', 'show', 'torch@2', '--json'], { cwd: t.dir });
    assert.equal(show.code, 0, show.stderr);
    const v = JSON.parse(show.stdout) as { params: Record<string, string>; metrics: Record<string, number>; format: string };
    assert.equal(v.format, 'onnx');
    assert.equal(v.params.quantized_from, 'torch@1');
    assert.equal(v.params.calibration_samples, '128');
    assert.equal(v.params.calibration, 'data/mnist');
    // The quantised file serves through the model server like any ONNX model.
    mkdirSync(join(t.dir, 'served'));
    cpSync(join(t.dir, 't8.onnx'), join(t.dir, 'served', 'model.onnx'));
    const server = await startModelServer({ models: [{ name: 'torch', dir: join(t.dir, 'served') }], restPort: 0, grpcPort: null });
    try {
      const res = await fetch(`http://127.0.0.1:${server.restPort}/v1/models/torch:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [new Array(784).fill(0)] }),
      });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { predictions: number[][] }).predictions[0]!.length, 10);
    } finally {
      await server.close();
    }
    const bad = cli(['quantize', 'torch@1', '--calibration', 'data/mnist', '--target', 'phone'], { cwd: t.dir });
    assert.equal(bad.code, 2);
  } finally {
    t.cleanup();
  }
});
