import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSlipwayError } from '../../src/errors/index.js';
import {
  BlobDir,
  buildLayer,
  displayName,
  loadLayoutBase,
  parseImageOutput,
  parseImageRef,
  parseImageTag,
} from '../../src/deploy/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';

test('image references parse as the distribution grammar says', () => {
  assert.deepEqual(parseImageRef('node:20-slim'), {
    registry: 'docker.io',
    repository: 'library/node',
    tag: '20-slim',
    digest: undefined,
    explicitRegistry: false,
  });
  assert.deepEqual(parseImageRef('127.0.0.1:5000/acme/iris:1'), {
    registry: '127.0.0.1:5000',
    repository: 'acme/iris',
    tag: '1',
    digest: undefined,
    explicitRegistry: true,
  });
  assert.equal(parseImageRef('localhost/a/b').registry, 'localhost');
  const d = `sha256:${'a'.repeat(64)}`;
  assert.equal(parseImageRef(`ghcr.io/acme/iris@${d}`).digest, d);
  assert.equal(parseImageTag('acme/iris').tag, 'latest');
  assert.equal(displayName('acme/iris:3'), 'acme/iris:3');
  assert.equal(displayName('registry.example.com:443/acme/iris:3'), 'registry.example.com:443/acme/iris:3');
});

test('invalid references and outputs are refused with codes', () => {
  for (const bad of [
    '',
    'Acme/iris:1',
    'acme/iris:-x',
    'acme//iris',
    'acme/iris@sha256:xyz',
    `acme/iris:${'t'.repeat(129)}`,
    'acme/iris:a b',
  ])
    assert.throws(
      () => parseImageTag(bad),
      (e) => isSlipwayError(e, 'IMAGE_REF_INVALID'),
      bad,
    );
  assert.throws(
    () => parseImageTag(`acme/iris@sha256:${'a'.repeat(64)}`),
    (e) => isSlipwayError(e, 'IMAGE_REF_INVALID'),
  );
  for (const bad of ['dir', 'docker://x', 'oci:'])
    assert.throws(
      () => parseImageOutput(bad),
      (e) => isSlipwayError(e, 'IMAGE_OUTPUT_INVALID'),
    );
  assert.equal(parseImageOutput('oci-archive:x.tar').kind, 'oci-archive');
});

test('a layer does not depend on file times or listing order', async () => {
  const t = tempDir({ 'a.txt': 'alpha', 'b/c.bin': new Uint8Array([1, 2, 3]) });
  try {
    const entries = [
      { path: 'app/a.txt', type: 'file' as const, mode: 0o644, size: 5, source: join(t.dir, 'a.txt') },
      { path: 'app/b/c.bin', type: 'file' as const, mode: 0o644, size: 3, source: join(t.dir, 'b', 'c.bin') },
      { path: 'app/b', type: 'dir' as const, mode: 0o755 },
      { path: `app/${'long-name/'.repeat(12)}x`, type: 'symlink' as const, target: '../a.txt' },
    ];
    const one = await buildLayer(entries, new BlobDir(join(t.dir, 'one')), 'app');
    utimesSync(join(t.dir, 'a.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const two = await buildLayer([...entries].reverse(), new BlobDir(join(t.dir, 'two')), 'app');
    assert.equal(two.layer.descriptor.digest, one.layer.descriptor.digest);
    assert.equal(two.layer.diffId, one.layer.diffId);
    const changed = await buildLayer(
      entries.map((e) => (e.type === 'file' && e.path === 'app/a.txt' ? { ...e, source: Buffer.from('alphb') } : e)),
      new BlobDir(join(t.dir, 'three')),
      'app',
    );
    assert.notEqual(changed.layer.diffId, one.layer.diffId);
  } finally {
    t.cleanup();
  }
});

test('a base layout that is missing or holds no such tag is refused', () => {
  const t = tempDir({ 'oci-layout': '{"imageLayoutVersion":"1.0.0"}', 'index.json': '{"schemaVersion":2,"manifests":[]}' });
  try {
    assert.throws(
      () => loadLayoutBase(join(t.dir, 'nope')),
      (e) => isSlipwayError(e, 'IMAGE_BASE_NOT_FOUND'),
    );
    assert.throws(
      () => loadLayoutBase(`${t.dir}:1`),
      (e) => isSlipwayError(e, 'IMAGE_BASE_NOT_FOUND'),
    );
  } finally {
    t.cleanup();
  }
});
