import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { findWorkspace, parseConfig } from '../../src/config/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir, tempWorkspace } from '../helpers/temp-workspace.js';
import { cli } from '../helpers/cli.js';

test('the workspace is found from a subfolder, and its absence is a clear error', () => {
  const w = tempWorkspace();
  const none = tempDir();
  try {
    mkdirSync(join(w.dir, 'a', 'b'), { recursive: true });
    assert.equal(findWorkspace(join(w.dir, 'a', 'b')).root, w.ws.root);
    assert.throws(
      () => findWorkspace(none.dir),
      (e) => isSlipwayError(e, 'WORKSPACE_NOT_FOUND'),
    );
  } finally {
    w.cleanup();
    none.cleanup();
  }
});

test('a malformed slipway.yaml names the file, line and key', () => {
  assert.throws(
    () => parseConfig('stages: {}\nremotes:\n  origin:\n    url: 3\n', 'slipway.yaml'),
    (e) => isSlipwayError(e, 'CONFIG_INVALID') && /slipway\.yaml:4/.test(e.message) && /remotes\.origin\.url/.test(e.message),
  );
  assert.throws(
    () => parseConfig('stages: [\n', 'slipway.yaml'),
    (e) => isSlipwayError(e, 'CONFIG_INVALID'),
  );
});

test('slipway init creates a workspace; a second init exits 2 with a code', () => {
  const t = tempDir();
  try {
    const first = cli(['init'], { cwd: t.dir });
    assert.equal(first.code, 0, first.stderr);
    const second = cli(['init'], { cwd: t.dir });
    assert.equal(second.code, 2);
    assert.match(second.stderr, /error\[WORKSPACE_EXISTS\]/);
    assert.doesNotMatch(second.stderr, /at .*\.ts:\d+/, 'no stack trace without --verbose');
  } finally {
    t.cleanup();
  }
});
