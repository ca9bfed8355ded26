import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeConfig } from '../../src/deploy/kubernetes-apply.js';
import { queueExperiment, readLock, renderJobManifest, runQueuedExperiments } from '../../src/pipeline/index.js';
import { jobClient, finishedCondition } from '../../src/pipeline/kubernetes-client.js';
import { followJob, jobFailure } from '../../src/pipeline/kubernetes-executor.js';
import { parseIndexes } from '../../src/pipeline/kubernetes-queue.js';
import { getRun } from '../../src/tracking/index.js';
import { startFakeKubeApi } from '../helpers/fake-kube-api.js';
import { fakeClusterAccess } from '../helpers/fake-cluster-access.js';
import { fakeKubelet } from '../helpers/fake-kubelet.js';
import { K8S_SCHEMAS_SKIP, k8sErrors } from '../helpers/k8s-schema.js';
import { TSX_IMPORT } from '../helpers/cli.js';
import { nodeCmd, pipelineFixture } from './pipeline-fixture.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

function cliAsync(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX_IMPORT, MAIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', SLIPWAY_NO_PROGRESS: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const EXECUTOR = { kind: 'kubernetes', image: 'ghcr.io/acme/slipway:1', secret: 's3-credentials', backoff_limit: 1 };
const TRAIN = nodeCmd(
  [
    "const fs = require('fs');",
    "const lr = Number(/lr: (.*)/.exec(fs.readFileSync('params.yaml', 'utf8'))[1]);",
    "console.log('lr ' + lr);",
    'if (lr < 0) { console.error("lr must be positive"); process.exit(4); }',
    "fs.writeFileSync('metrics.json', JSON.stringify({ score: lr * 10 }));",
  ].join(' '),
);
const PIPELINE = { stages: { train: { cmd: TRAIN, params: ['train.lr'], metrics: ['metrics.json'], executor: EXECUTOR } } };

test('parseIndexes reads the API interval notation', () => {
  assert.deepEqual([...parseIndexes('0,2-4,7')], [0, 2, 3, 4, 7]);
  assert.deepEqual([...parseIndexes(undefined)], []);
});

test('the experiment queue runs as ONE Indexed Job; each index maps back to its experiment', { skip: K8S_SCHEMAS_SKIP }, async () => {
  const f = await pipelineFixture(PIPELINE, { 'params.yaml': 'train:\n  lr: 0.5\n' });
  const remoteDir = mkdtempSync(join(tmpdir(), 'slipway-remote-'));
  const api = await startFakeKubeApi({ kubelet: fakeKubelet() });
  const access = fakeClusterAccess(api, remoteDir);
  try {
    const lrs = { 'lr-quarter': 0.25, 'lr-negative': -1, 'lr-half': 0.5, 'lr-two': 2 };
    for (const [name, lr] of Object.entries(lrs)) queueExperiment(f.ws, [`train.lr=${lr}`], name);
    const lines: string[] = [];
    const done = await runQueuedExperiments(f.ws, f.db, f.store, { jobs: 2, kubernetes: access, onLog: (_s, line) => lines.push(line) });
    assert.equal(api.posted.length, 1, 'one Job for the whole queue');
    const job = api.posted[0]!;
    assert.deepEqual(k8sErrors(job), []);
    assert.deepEqual(api.invalid, []);
    assert.deepEqual(api.responseErrors, []);
    assert.equal(job.spec.completionMode, 'Indexed');
    assert.equal(job.spec.completions, 4);
    assert.equal(job.spec.parallelism, 2);
    assert.equal(job.spec.backoffLimitPerIndex, 1);
    const by = Object.fromEntries(done.map((d) => [d.name, d]));
    assert.equal(by['lr-quarter']!.status, 'succeeded');
    assert.deepEqual(by['lr-quarter']!.metrics, { score: 2.5 });
    assert.deepEqual(by['lr-half']!.metrics, { score: 5 });
    assert.deepEqual(by['lr-two']!.metrics, { score: 20 });
    assert.equal(by['lr-two']!.params['train.lr'], 2);
    assert.equal(by['lr-negative']!.status, 'failed');
    assert.match(by['lr-negative']!.error!, /index \d of Job .* failed after 2 pod\(s\), last pod exited with 4/);
    assert.equal(
      lines.filter((l) => l.endsWith('lr must be positive')).length,
      2,
      'backoff_limit 1 per index: two pods for the failing one',
    );
    // Each experiment is a tracked run: its params, its pod's metrics and its own lines of the Job log.
    const run = await getRun(f.db, by['lr-half']!.runIds[0]!);
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.tags['slipway.exp'], 'lr-half');
    assert.equal(run.tags['slipway.k8s.job'], job.metadata.name);
    assert.equal(run.params['train.lr'], '0.5');
    assert.deepEqual(run.metrics, { score: 5 });
    const log = f.store.getBytes(run.artifacts.find((a) => a.path === 'stage.log')!.hash).toString('utf8');
    assert.match(log, /^lr 0\.5$/m);
    assert.doesNotMatch(log, /lr 0\.25/, 'only its own index');
    assert.equal((await getRun(f.db, by['lr-negative']!.runIds[0]!)).status, 'FAILED');
    // The workspace itself is untouched: experiments ran in their copies.
    assert.deepEqual(readLock(f.env.lockPath, f.env.lockCachePath).stages, {});
  } finally {
    await api.close();
    await f.close();
    rmSync(remoteDir, { recursive: true, force: true });
  }
});

test('a broken pod contract fails the Job at once through its podFailurePolicy (no retries)', { skip: K8S_SCHEMAS_SKIP }, async () => {
  const f = await pipelineFixture(PIPELINE, { 'params.yaml': 'train:\n  lr: 0.5\n' });
  const api = await startFakeKubeApi({ kubelet: fakeKubelet() });
  try {
    const stage = f.load().stages.get('train')!;
    const broken = { ...stage, executor: { ...EXECUTOR, backoff_limit: 3 } } as typeof stage;
    const job = renderJobManifest(broken, { contract: { remote: '/nonexistent', inputs: ['a'.repeat(64)], steps: [], outs: [] } });
    const kc = kubeConfig(api.kubeconfig);
    const done = await followJob(f.env, jobClient(kc, 20), 'ml', job, { log: () => undefined, logFile: join(f.ws.stateDir, 'k.log') });
    const end = finishedCondition(done.job)!;
    assert.equal(end.type, 'Failed');
    assert.equal(end.reason, 'PodFailurePolicy');
    assert.equal(done.pods.length, 1);
    assert.equal(done.pods[0]!.exitCode, 78);
    assert.equal(jobFailure('train', 'ml', done.name, end, done.pods[0], 'k.log').code, 'JOB_FAILED');
  } finally {
    await api.close();
    await f.close();
  }
});

test('CLI: `slipway repro` submits through KUBECONFIG, the pod runs `slipway stage exec`', { skip: K8S_SCHEMAS_SKIP }, async () => {
  const f = await pipelineFixture(PIPELINE, { 'params.yaml': 'train:\n  lr: 0.5\n' });
  const remoteDir = mkdtempSync(join(tmpdir(), 'slipway-remote-'));
  const api = await startFakeKubeApi({ kubelet: fakeKubelet('cli') });
  try {
    // The second command finds `slipway` on PATH inside the pod (stage exec puts its own first).
    const stage = { ...PIPELINE.stages.train, cmd: [TRAIN, 'slipway --version'] };
    f.setConfig({ stages: { train: stage }, remotes: { origin: { url: remoteDir } } });
    const kubeconfigPath = join(f.side, 'kubeconfig');
    writeFileSync(kubeconfigPath, api.kubeconfig);
    // Spawned asynchronously: the fake server lives in this process and must keep answering while the CLI runs.
    const r = await cliAsync(['repro'], f.dir, { KUBECONFIG: kubeconfigPath });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\[train\] lr 0\.5/, 'the pod log reaches the terminal');
    assert.match(r.stdout, /\[train\] \d+\.\d+\.\d+/, 'slipway --version ran in the pod');
    assert.deepEqual(JSON.parse(readFileSync(join(f.dir, 'metrics.json'), 'utf8')), { score: 5 });
    assert.ok(readLock(f.env.lockPath, f.env.lockCachePath).stages.train);
    assert.deepEqual(api.invalid, []);
    // Outside a Job, `slipway stage exec` finds no contract: the exit code the podFailurePolicy never retries.
    const bare = await cliAsync(['stage', 'exec'], f.side, {});
    assert.equal(bare.code, 78, bare.stderr);
    assert.match(bare.stderr, /CONFIG_INVALID/);
  } finally {
    await api.close();
    await f.close();
    rmSync(remoteDir, { recursive: true, force: true });
  }
});

test('cancelling the queue deletes its Indexed Job and fails the experiments as interrupted', { skip: K8S_SCHEMAS_SKIP }, async () => {
  const slow = { stages: { train: { ...PIPELINE.stages.train, cmd: 'sleep 30' } } };
  const f = await pipelineFixture(slow, { 'params.yaml': 'train:\n  lr: 0.5\n' });
  const remoteDir = mkdtempSync(join(tmpdir(), 'slipway-remote-'));
  const api = await startFakeKubeApi({ kubelet: fakeKubelet() });
  const access = fakeClusterAccess(api, remoteDir);
  try {
    queueExperiment(f.ws, ['train.lr=1'], 'one');
    queueExperiment(f.ws, ['train.lr=2'], 'two');
    const ac = new AbortController();
    const running = runQueuedExperiments(f.ws, f.db, f.store, { jobs: 2, kubernetes: access, signal: ac.signal });
    await api.podRunning();
    ac.abort();
    const done = await running;
    assert.deepEqual(
      done.map((d) => d.status),
      ['failed', 'failed'],
    );
    assert.ok(done.every((d) => /interrupted/.test(d.error ?? '')));
    assert.deepEqual(api.deletes, [{ name: api.posted[0]!.metadata.name, propagationPolicy: 'Background' }]);
  } finally {
    await api.close();
    await f.close();
    rmSync(remoteDir, { recursive: true, force: true });
  }
});
