import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { dense, saveModel, sequential } from '../../src/engine/index.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-workspace.js';

test('slipway export --model DIR --format onnx -o FILE writes a runnable file and reports size and opset', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = sequential([dense({ units: 4, activation: 'relu', inputShape: [3] }), dense({ units: 2, activation: 'softmax' })], {
      seed: 1,
    });
    await saveModel(model, join(dir, 'model'));
    const r = cli(['export', '--model', 'model', '--format', 'onnx', '-o', 'out.onnx', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { file: string; bytes: number; opset: number; format: string };
    assert.equal(report.format, 'onnx');
    assert.ok(report.opset >= 13);
    assert.equal(report.bytes, statSync(join(dir, 'out.onnx')).size);
    const session = await ort.InferenceSession.create(join(dir, 'out.onnx'));
    const out = await session.run({ input: new ort.Tensor('float32', new Float32Array([1, 2, 3, -1, 0, 1]), [2, 3]) });
    assert.deepEqual([...out.output!.dims], [2, 2]);

    const bad = cli(['export', '--model', 'model', '--format', 'tflite', '-o', 'x.tflite'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /error\[USAGE\]/);
    assert.ok(!existsSync(join(dir, 'x.tflite')));
    const missing = cli(['export', '--model', 'nope'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /error\[PATH_NOT_FOUND\]/);
  } finally {
    cleanup();
  }
});
