import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NumericArray, parseBoundedJson, toPlain } from '../../src/serving/bounded-json.js';
import { SlipwayError } from '../../src/errors/index.js';
import { createRng } from '../../src/engine/random.js';

const PACK = new Set(['instances', 'inputs', 'data']);
const parse = (s: string, packKeys?: ReadonlySet<string>) => parseBoundedJson(Buffer.from(s), { packKeys });
const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof SlipwayError, String(e));
    return e.code;
  }
  return 'no error';
};

test('bounded JSON: same values as JSON.parse for every JSON value kind', () => {
  const docs = [
    '{}',
    '[]',
    '0',
    '-0',
    '"x"',
    'true',
    'null',
    ' {"a": [1, 2.5, -3e2, 1E-7, 0.1, 123456789012345678, 1e400, 5e-324], "b": {"c": null, "d": [true, false]}} ',
    '{"s": "h\\u00e9llo \\"q\\" \\\\ \\/ \\b\\f\\n\\r\\t \\ud83d\\ude00 é 日本"}',
    '{"k": "", "k": 2}',
    '[[1,2],[3]]',
    '[1, "a", [2, [3]], {"x": []}]',
    '{"constructor": {"prototype": 1}}',
  ];
  for (const d of docs) assert.deepEqual(toPlain(parse(d)), JSON.parse(d), d);
  // Random decimals: the fast path (m·10^e) must round exactly as JSON.parse does.
  const rng = createRng(7);
  const rnd = (): number => rng.next();
  const nums: string[] = [];
  for (let i = 0; i < 20000; i++) {
    const v = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
    nums.push(i % 3 === 0 ? v.toFixed(Math.floor(rnd() * 12)) : i % 3 === 1 ? String(v) : v.toExponential(Math.floor(rnd() * 17)));
  }
  const text = `[${nums.join(',')}]`;
  const packed = parse(`{"data": ${text}}`, PACK) as { data: NumericArray };
  assert.ok(packed.data instanceof NumericArray);
  assert.deepEqual(Array.from(packed.data.data), JSON.parse(text));
  // The leaf loop's inline reader at its edges: signs, zeros, 15 vs 16 significant digits, whitespace.
  for (const leaf of [
    '[-0, 0, 0.0, -0.5, 10, 100.25, 0.000001]',
    '[ 1 , 2\n,\t3 ]',
    '[123456789012345, 1234567890123456, 0.123456789012345, 0.1234567890123456, 99999999999999999999]',
    '[1e2, -2.5E-3, 7, 8]',
  ]) {
    const v = parse(`{"data": ${leaf}}`, PACK) as { data: NumericArray };
    assert.ok(v.data instanceof NumericArray, leaf);
    assert.deepEqual(Array.from(v.data.data), JSON.parse(leaf), leaf);
    assert.ok(Object.is(v.data.data[0], JSON.parse(leaf)[0]), `${leaf}: the sign of zero`);
  }
});

test('bounded JSON: rectangular numeric arrays under tensor keys come back packed, others stay plain', () => {
  const body = parse('{"instances": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], "signature_name": "x", "meta": [1, 2]}', PACK) as Record<
    string,
    unknown
  >;
  const inst = body.instances as NumericArray;
  assert.ok(inst instanceof NumericArray);
  assert.deepEqual(inst.shape, [2, 2, 2]);
  assert.deepEqual(Array.from(inst.data), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(body.meta, [1, 2]);
  // Ragged and mixed lists stay lists (with packed rows inside), and toPlain gives JSON.parse's value back.
  for (const d of [
    '{"instances": [[1, 2], [3]]}',
    '{"instances": [[1], ["a"]]}',
    '{"instances": [1, [2]]}',
    '{"inputs": [{"data": [[1]], "shape": [1, 1]}]}',
  ]) {
    const v = parse(d, PACK) as { instances?: unknown; inputs?: unknown };
    assert.deepEqual(toPlain(v), JSON.parse(d), d);
  }
  const v2 = parse('{"inputs": [{"name": "x", "shape": [1, 2], "data": [[1, 2]]}]}', PACK) as {
    inputs: { shape: unknown; data: unknown }[];
  };
  assert.deepEqual(v2.inputs[0]!.shape, [1, 2], 'shape is not a tensor key');
  assert.ok(v2.inputs[0]!.data instanceof NumericArray);
});

test('bounded JSON: malformed bodies are MALFORMED_JSON', () => {
  for (const d of [
    '',
    ' ',
    '{',
    '[1,]',
    '[01]',
    '{"a" 1}',
    '{"a":1,}',
    '[1 2]',
    '"\u0001"',
    '"\\x"',
    '"\\u12"',
    '1.',
    '1e',
    '-',
    'tru',
    '{} x',
    '{"__proto__": {"a": 1}}',
    // Inside a tensor key, where leaf lists take the inline number reader.
    '{"data": [1,]}',
    '{"data": [01]}',
    '{"data": [1.]}',
    '{"data": [-]}',
    '{"data": [-x]}',
    '{"data": [.5]}',
    '{"data": [1e]}',
    '{"data": [1 2]}',
    '{"data": [1, 2',
    '{"data": [1.5',
    '{"data": [0',
    '{"data": [-0.',
  ])
    assert.equal(
      code(() => parse(d, PACK)),
      'MALFORMED_JSON',
      JSON.stringify(d),
    );
});

test('bounded JSON: depth and element limits hold while parsing (an 8-million-level body builds nothing)', () => {
  const deep = Buffer.alloc(16 * 1024 * 1024, '[');
  const before = process.memoryUsage().rss;
  assert.equal(
    code(() => parseBoundedJson(deep, { packKeys: PACK })),
    'REQUEST_TOO_COMPLEX',
  );
  assert.ok(process.memoryUsage().rss - before < 50 * 1024 * 1024);
  assert.equal(
    code(() => parseBoundedJson(Buffer.from('{"a":'.repeat(65) + '1' + '}'.repeat(65)))),
    'REQUEST_TOO_COMPLEX',
  );
  assert.deepEqual(parseBoundedJson(Buffer.from('['.repeat(64) + ']'.repeat(64))) !== undefined, true);
  assert.equal(
    code(() => parseBoundedJson(Buffer.from(`[${'0,'.repeat(100)}0]`), { maxElements: 100 })),
    'BODY_TOO_LARGE',
  );
  assert.equal(
    code(() => parseBoundedJson(Buffer.from(`{"data": [${'0,'.repeat(100)}0]}`), { maxElements: 100, packKeys: PACK })),
    'BODY_TOO_LARGE',
  );
});
