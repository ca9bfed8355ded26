import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { isSlipwayError } from '../../src/errors/index.js';
import { dagDot, dagMermaid, dagText, loadPipeline } from '../../src/pipeline/index.js';
import { tempDir } from '../helpers/temp-workspace.js';

function load(config: unknown, files: Record<string, string> = {}, raw?: string) {
  const t = tempDir({ 'slipway.yaml': raw ?? stringify(config), ...files });
  try {
    return loadPipeline(t.dir);
  } finally {
    t.cleanup();
  }
}

function refuses(code: string, config: unknown, files: Record<string, string> = {}): Record<string, unknown> {
  try {
    load(config, files);
  } catch (e) {
    assert.ok(isSlipwayError(e, code as never), `expected ${code}, got ${String(e)}`);
    return (e as { details: Record<string, unknown> }).details;
  }
  assert.fail(`expected ${code}`);
}

test('schema errors name the file, line and key', () => {
  const raw = 'stages:\n  train:\n    cmd: echo hi\n    outz: [model]\n';
  try {
    load(null, {}, raw);
    assert.fail('expected CONFIG_INVALID');
  } catch (e) {
    assert.ok(isSlipwayError(e, 'CONFIG_INVALID'));
    assert.equal(e.details?.line, 4);
    assert.match(String(e.details?.key), /stages\.train/);
  }
  try {
    load(null, {}, 'stages:\n  a:\n    deps: [x]\n');
    assert.fail('expected CONFIG_INVALID');
  } catch (e) {
    assert.ok(isSlipwayError(e, 'CONFIG_INVALID'));
    assert.equal(e.details?.key, 'stages.a.cmd');
  }
});

test('cmd as string or list, wdir-relative paths, outs options', () => {
  const p = load(
    {
      stages: {
        prep: { cmd: ['echo a', 'echo b'], wdir: 'sub', deps: ['in.txt'], outs: ['out', { 'keep.bin': { cache: false, persist: true } }] },
        train: { cmd: 'echo t', deps: ['sub/out'], metrics: ['m.json'], plots: [{ 'loss.csv': { x: 'step', y: 'loss' } }] },
      },
    },
    { 'sub/in.txt': 'x' },
  );
  const prep = p.stages.get('prep')!;
  assert.deepEqual(prep.cmd, ['echo a', 'echo b']);
  assert.deepEqual(prep.deps, ['sub/in.txt']);
  assert.deepEqual(
    prep.outs.map((o) => [o.path, o.cache, o.persist]),
    [
      ['sub/out', true, false],
      ['sub/keep.bin', false, true],
    ],
  );
  assert.deepEqual(p.upstream.get('train'), ['prep']);
  assert.deepEqual(p.order, ['prep', 'train']);
  const train = p.stages.get('train')!;
  assert.deepEqual(
    train.outs.map((o) => [o.path, o.kind]),
    [
      ['m.json', 'metric'],
      ['loss.csv', 'plot'],
    ],
  );
  assert.deepEqual(train.plots[0]?.y, ['loss']);
});

test('foreach, matrix and ${} templating from params.yaml and vars', () => {
  const p = load(
    {
      vars: [{ prefix: 'run' }, 'extra.yaml'],
      stages: {
        fit: { foreach: ['small', 'large'], do: { cmd: 'echo ${item} ${train.lr}', outs: ['${prefix}-${item}.bin'] } },
        each: { foreach: { a: { n: 1 }, b: { n: 2 } }, do: { cmd: 'echo ${key}=${item.n} ${color}' } },
        grid: {
          matrix: { model: ['cnn', 'mlp'], lr: [0.1, 0.01] },
          cmd: 'echo ${item.model} ${item.lr}',
          outs: ['g-${item.model}-${item.lr}'],
        },
        looped: { foreach: '${models}', do: { cmd: 'echo ${item}' } },
      },
    },
    { 'params.yaml': 'train:\n  lr: 0.5\nmodels: [x, y]\n', 'extra.yaml': 'color: blue\n' },
  );
  assert.deepEqual(p.stages.get('fit@small')?.cmd, ['echo small 0.5']);
  assert.deepEqual(p.stages.get('fit@large')?.outs[0]?.path, 'run-large.bin');
  assert.deepEqual(p.stages.get('each@b')?.cmd, ['echo b=2 blue']);
  assert.deepEqual(
    [...p.stages.keys()].filter((n) => n.startsWith('grid@')),
    ['grid@cnn-0.1', 'grid@cnn-0.01', 'grid@mlp-0.1', 'grid@mlp-0.01'],
  );
  assert.deepEqual(p.stages.get('grid@mlp-0.01')?.cmd, ['echo mlp 0.01']);
  assert.deepEqual(p.stages.get('looped@y')?.cmd, ['echo y']);
  refuses('PIPELINE_INVALID', { stages: { a: { cmd: 'echo ${nope.x}' } } });
});

test('cycles are refused naming the stages', () => {
  const d = refuses('PIPELINE_CYCLE', {
    stages: {
      a: { cmd: 'x', deps: ['c.out'], outs: ['a.out'] },
      b: { cmd: 'x', deps: ['a.out'], outs: ['b.out'] },
      c: { cmd: 'x', deps: ['b.out'], outs: ['c.out'] },
    },
  });
  assert.deepEqual([...(d.stages as string[])].sort(), ['a', 'a', 'b', 'c']);
});

test('two stages writing one output, or an output inside another, are refused', () => {
  let d = refuses('OUTPUT_CONFLICT', { stages: { a: { cmd: 'x', outs: ['model'] }, b: { cmd: 'y', outs: ['model'] } } });
  assert.deepEqual(d.stages, ['a', 'b']);
  d = refuses('OUTPUT_CONFLICT', { stages: { a: { cmd: 'x', outs: ['data'] }, b: { cmd: 'y', outs: ['data/clean.csv'] } } });
  assert.deepEqual(d.stages, ['b', 'a']);
});

test('a missing dependency no stage produces, and unknown params, are refused', () => {
  const d = refuses('DEPENDENCY_MISSING', { stages: { a: { cmd: 'x', deps: ['nowhere.csv'] } } });
  assert.match(String(d.missing), /stage "a" needs "nowhere.csv"/);
  refuses('PARAM_NOT_FOUND', { stages: { a: { cmd: 'x', params: ['train.lr'] } } }, { 'params.yaml': 'train:\n  epochs: 1\n' });
  refuses('PARAM_NOT_FOUND', { stages: { a: { cmd: 'x', params: [{ 'other.yaml': ['k'] }] } } });
  // present keys pass, including another file
  const p = load(
    { stages: { a: { cmd: 'x', params: ['train.epochs', { 'other.yaml': ['k'] }] } } },
    { 'params.yaml': 'train:\n  epochs: 1\n', 'other.yaml': 'k: 2\n' },
  );
  assert.deepEqual(p.stages.get('a')?.params, [
    { file: 'params.yaml', keys: ['train.epochs'] },
    { file: 'other.yaml', keys: ['k'] },
  ]);
});

test('the DAG renders as text, DOT and Mermaid', () => {
  const p = load({ stages: { prep: { cmd: 'x', outs: ['d'] }, fit: { cmd: 'y', deps: ['d'], outs: ['m'] } } });
  assert.match(dagText(p), /^fit {2}<- prep$/m);
  assert.match(dagDot(p), /"prep" -> "fit";/);
  assert.match(dagMermaid(p), /s0 --> s1/);
});
