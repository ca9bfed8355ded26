import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTfPredict, encodeTfPredict, parseTfPath } from '../../src/serving/rest-tf.js';
import { decodeV2Inputs } from '../../src/serving/rest-v2.js';
import { isSlipwayError } from '../../src/errors/index.js';
import type { Signature } from '../../src/engine/signature.js';

const img: Signature = {
  inputs: [{ name: 'image', dtype: 'FP32', shape: [-1, 2, 2, 1] }],
  outputs: [{ name: 'p', dtype: 'FP32', shape: [-1, 2] }],
};
const two: Signature = {
  inputs: [
    { name: 'a', dtype: 'FP32', shape: [-1, 2] },
    { name: 'b', dtype: 'INT32', shape: [-1] },
  ],
  outputs: [
    { name: 'y', dtype: 'FP32', shape: [-1, 1] },
    { name: 'z', dtype: 'INT64', shape: [-1] },
  ],
};

test('row format: nested and flat instances become one batch tensor', () => {
  const nested = decodeTfPredict(
    {
      instances: [
        [
          [[1], [2]],
          [[3], [4]],
        ],
      ],
    },
    img,
  ).inputs.image!;
  assert.deepEqual(nested.shape, [1, 2, 2, 1]);
  const flat = decodeTfPredict(
    {
      instances: [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ],
    },
    img,
  ).inputs.image!;
  assert.deepEqual(flat.shape, [2, 2, 2, 1]);
  assert.deepEqual(Array.from(flat.data as Float32Array), [1, 2, 3, 4, 5, 6, 7, 8]);
  const named = decodeTfPredict(
    {
      instances: [
        { a: [1, 2], b: 3 },
        { a: [3, 4], b: 5 },
      ],
    },
    two,
  ).inputs;
  assert.deepEqual(named.a!.shape, [2, 2]);
  assert.ok(named.b!.data instanceof Int32Array);
  assert.deepEqual(Array.from(named.b!.data as Int32Array), [3, 5]);
});

test('columnar format and encoding of several outputs', () => {
  const d = decodeTfPredict({ inputs: { a: [[1, 2]], b: [7] } }, two);
  assert.equal(d.columnar, true);
  const outputs = {
    y: { dtype: 'FP32' as const, shape: [2, 1], data: new Float32Array([0.5, 1.5]) },
    z: { dtype: 'INT64' as const, shape: [2], data: new BigInt64Array([3n, 4n]) },
  };
  assert.deepEqual(encodeTfPredict(two, outputs, false, 2), {
    predictions: [
      { y: [0.5], z: 3 },
      { y: [1.5], z: 4 },
    ],
  });
  assert.deepEqual(encodeTfPredict(two, outputs, true, 2), { outputs: { y: [[0.5], [1.5]], z: [3, 4] } });
});

test('validation names what is wrong', () => {
  const bad: [unknown, string][] = [
    [{ instances: [[1, 2, 3]] }, 'INPUT_INVALID'],
    [{ instances: [{ a: [1, 2] }] }, 'INPUT_MISSING'],
    [{ instances: [{ a: [1, 2], b: 1.5 }] }, 'INPUT_INVALID'],
    [{ instances: [{ a: [1, 2], b: 2 ** 40 }] }, 'INPUT_INVALID'],
    [{ instances: [{ a: [1, Infinity], b: 1 }] }, 'INPUT_INVALID'],
    [{ inputs: { a: [[1, 2]], b: [1, 2] } }, 'INPUT_INVALID'],
    [{ inputs: { a: [[1, 2]] } }, 'INPUT_MISSING'],
    [{ instances: [{ a: [1, 2], b: 1 }], inputs: {} }, 'INPUT_INVALID'],
    [{}, 'INPUT_MISSING'],
  ];
  for (const [body, code] of bad)
    assert.throws(
      () => decodeTfPredict(body as never, two),
      (e) => isSlipwayError(e, code as never),
      JSON.stringify(body),
    );
  assert.throws(
    () => decodeV2Inputs([{ name: 'a', shape: [1, 2], datatype: 'FP32', data: [1, 2] }], two),
    (e) => isSlipwayError(e, 'INPUT_MISSING'),
  );
  assert.throws(
    () =>
      decodeV2Inputs(
        [
          { name: 'a', shape: [1, 2], datatype: 'FP32', data: [1, 2] },
          { name: 'b', shape: [1], datatype: 'FP32', data: [1] },
        ],
        two,
      ),
    (e) => isSlipwayError(e, 'INPUT_INVALID'),
  );
  const ok = decodeV2Inputs(
    [
      { name: 'a', shape: [1, 2], datatype: 'FP32', data: [[1, 2]] },
      { name: 'b', shape: [1], datatype: 'INT32', data: [1] },
    ],
    two,
  );
  assert.deepEqual(ok.a!.shape, [1, 2]);
});

test('TF REST paths', () => {
  assert.deepEqual(parseTfPath('/v1/models/m'), { model: 'm', sel: {}, resource: 'status' });
  assert.deepEqual(parseTfPath('/v1/models/m/versions/3:predict'), { model: 'm', sel: { version: 3 }, resource: 'predict' });
  assert.deepEqual(parseTfPath('/v1/models/m/labels/prod/metadata'), { model: 'm', sel: { label: 'prod' }, resource: 'metadata' });
  assert.deepEqual(parseTfPath('/v1/models/m/monitoring?window=1h'), { model: 'm', sel: {}, resource: 'monitoring' });
  assert.equal(parseTfPath('/v1/models/m:explode'), null);
  assert.equal(parseTfPath('/v1/models/m/metadata:predict'), null);
});
