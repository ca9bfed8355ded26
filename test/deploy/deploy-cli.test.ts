import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import { registerModel } from '../../src/registry/index.js';
import { execFile } from 'node:child_process';
import { cli, TSX_IMPORT } from '../helpers/cli.js';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { iris, trainSoftmax, writeDenseModel } from '../registry/fixtures.js';
import { kubeconfigFor, startFakeKubeApi } from './fake-kube-api.js';

function cliAsync(
  args: string[],
  opts: { cwd: string; env: Record<string, string> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', TSX_IMPORT, main, ...args],
      { cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1', ...opts.env } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('slipway deploy kubernetes writes the manifests, takes the canary from a deployment, and applies them', async () => {
  const t = tempWorkspace();
  const api = await startFakeKubeApi();
  try {
    const db = await openDb({ sqlitePath: t.ws.dbPath });
    const src = join(t.dir, 'model');
    writeDenseModel(src, trainSoftmax(iris(), 4, 3, 5), { features: 4, classes: 3 });
    await registerModel(db, openObjectStore(t.ws.objectsDir), { name: 'iris', from: { path: src } });
    await db.close();
    const cfg = parse(readFileSync(t.ws.configPath, 'utf8')) as Record<string, unknown> | null;
    writeFileSync(
      t.ws.configPath,
      stringify({ ...(cfg ?? {}), deployments: { iris: { model: 'iris', canary: { version: 1, steps: [15, 50, 100] } } } }),
    );
    const out = join(t.dir, 'k8s');
    const r = cli(['deploy', 'kubernetes', 'iris@1', '--image', '127.0.0.1:5000/acme/iris:1', '-o', out, '--namespace', 'ml'], {
      cwd: t.dir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), [
      'iris.deployment.yaml',
      'iris.horizontalpodautoscaler.yaml',
      'iris.poddisruptionbudget.yaml',
      'iris.service.yaml',
    ]);
    const kubeconfig = join(t.dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigFor(api.url));
    // Asynchronously: the fake API server answers from this process, which a spawnSync would block.
    const k = await cliAsync(
      ['deploy', 'kubernetes', 'iris@1', '--image', '127.0.0.1:5000/acme/iris:1', '--kserve', '--deployment', 'iris', '--apply', '--json'],
      {
        cwd: t.dir,
        env: { KUBECONFIG: kubeconfig },
      },
    );
    assert.equal(k.code, 0, k.stderr);
    const [isvc] = JSON.parse(k.stdout) as { spec: { predictor: { canaryTrafficPercent: number } } }[];
    assert.equal(isvc!.spec.predictor.canaryTrafficPercent, 15);
    assert.ok(api.requests.some((q) => q.method === 'PATCH' && q.path.endsWith('/inferenceservices/iris')));
    const bad = cli(['deploy', 'kubernetes', 'nosuch@1', '--image', 'acme/x:1'], { cwd: t.dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /error\[MODEL_NOT_FOUND\]/);
  } finally {
    await api.close();
    t.cleanup();
  }
});
