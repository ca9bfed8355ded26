import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  imageConfig,
  modelEntries,
  renderDockerfile,
  slipwayPackageRoot,
  writeDockerContext,
  type BaseImage,
  BlobDir,
} from '../../src/deploy/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { iris, trainSoftmax, writeDenseModel } from '../registry/fixtures.js';

function model(dir: string) {
  writeDenseModel(dir, trainSoftmax(iris(), 4, 3, 3), { features: 4, classes: 3 });
  return { name: 'iris', version: 4, treeHash: 'a'.repeat(64), format: 'slipway', dir, createdAt: Date.UTC(2026, 0, 2) };
}

/** Dockerfile instructions of the last stage as [keyword, rest] pairs (continuation lines joined). */
function finalStage(dockerfile: string): [string, string][] {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
  const from = lines
    .map((l, i) => [l, i] as const)
    .filter(([l]) => l.startsWith('FROM '))
    .at(-1)![1];
  return lines.slice(from).map((l) => {
    const i = l.indexOf(' ');
    return [l.slice(0, i), l.slice(i + 1).trim()];
  });
}

test('the Dockerfile sets what the daemonless image sets: user, env, ports, labels, entrypoint, health check', () => {
  const t = tempDir();
  try {
    const m = model(join(t.dir, 'm'));
    const root = slipwayPackageRoot();
    const df = renderDockerfile(m, root);
    assert.equal((df.match(/^FROM /gm) ?? []).length, 2, 'multi-stage');
    const stage = finalStage(df);
    const get = (k: string): string[] => stage.filter(([kw]) => kw === k).map(([, v]) => v);
    const base: BaseImage = {
      source: 'node:20-slim',
      manifestDigest: `sha256:${'b'.repeat(64)}`,
      layers: [],
      config: { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } },
      blobs: new BlobDir(t.dir),
    };
    const cfg = imageConfig({ model: m, app: { root }, base, cacheDir: t.dir }, []).config;
    assert.deepEqual(JSON.parse(get('ENTRYPOINT')[0]!), cfg.Entrypoint);
    assert.deepEqual(JSON.parse(get('CMD')[0]!), cfg.Cmd);
    assert.deepEqual(get('USER'), [cfg.User]);
    assert.deepEqual(get('WORKDIR'), [cfg.WorkingDir]);
    assert.deepEqual(
      get('EXPOSE')[0]!
        .split(' ')
        .map((p) => `${p}/tcp`),
      Object.keys(cfg.ExposedPorts!),
    );
    for (const e of cfg.Env!.filter((x) => !x.startsWith('PATH='))) assert.ok(get('ENV')[0]!.split(' ').includes(e), e);
    const labels = Object.fromEntries(
      [...get('LABEL')[0]!.matchAll(/(\S+)=("(?:[^"\\]|\\.)*")/g)].map((x) => [x[1]!, JSON.parse(x[2]!) as string]),
    );
    for (const [k, v] of Object.entries(cfg.Labels!)) if (!/created|base\./.test(k)) assert.equal(labels[k], v, k);
    assert.match(get('HEALTHCHECK')[0]!, /\/v2\/health\/ready/);
    assert.ok(get('COPY').some((c) => c.includes('/src/node_modules')));
  } finally {
    t.cleanup();
  }
});

test('slipway build dockerfile writes a self-contained build context with .dockerignore', () => {
  const t = tempDir();
  try {
    const m = model(join(t.dir, 'm'));
    const files = writeDockerContext(join(t.dir, 'ctx'), m, slipwayPackageRoot());
    assert.deepEqual(files, ['.dockerignore', 'Dockerfile', 'app', 'model']);
    const ignore = readFileSync(join(t.dir, 'ctx', '.dockerignore'), 'utf8').split('\n');
    for (const p of ['**/node_modules', '**/dist', '**/.git']) assert.ok(ignore.includes(p), p);
    for (const f of ['package.json', 'package-lock.json', 'src/cli/main.ts', 'native', 'bin/slipway.js'])
      assert.ok(existsSync(join(t.dir, 'ctx', 'app', f)), f);
    // model/ holds exactly the image's model layer files.
    for (const e of modelEntries(m))
      if (e.type === 'file') assert.ok(existsSync(join(t.dir, 'ctx', 'model', e.path.replace('models/iris/', ''))), e.path);
    const meta = JSON.parse(readFileSync(join(t.dir, 'ctx', 'model', 'slipway-model.json'), 'utf8')) as { name: string; version: number };
    assert.deepEqual([meta.name, meta.version], ['iris', 4]);
  } finally {
    t.cleanup();
  }
});
