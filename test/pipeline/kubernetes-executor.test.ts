import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeConfig } from '../../src/deploy/kubernetes-apply.js';
import { addDataset } from '../../src/data/index.js';
import { openRemote } from '../../src/store/index.js';
import { pipelineEnv, readLock, repro, type KubernetesAccess } from '../../src/pipeline/index.js';
import { startFakeKubeApi, type FakeKubeApi, type FakeKubeOptions } from '../helpers/fake-kube-api.js';
import { fakeClusterAccess } from '../helpers/fake-cluster-access.js';
import { fakeKubelet } from '../helpers/fake-kubelet.js';
import { s3FromEnv, s3TestPrefix } from '../helpers/s3-test-prefix.js';
import { K8S_SCHEMAS_SKIP, k8sErrors } from '../helpers/k8s-schema.js';
import { nodeCmd, pipelineFixture, type PipelineFixture } from './pipeline-fixture.js';

/** Kubernetes executor against the fake API server (test/helpers/fake-kube-api.ts); the remote is a folder. */

const EXECUTOR = { kind: 'kubernetes', image: 'ghcr.io/acme/slipway:1', secret: 's3-credentials', backoff_limit: 1 };
// Reads its input file and param, writes an output folder and a metrics file: the result shows both travelled.
const TRAIN = nodeCmd(
  [
    "const fs = require('fs');",
    "const lr = Number(/lr: (.*)/.exec(fs.readFileSync('params.yaml', 'utf8'))[1]);",
    "const text = fs.readFileSync('data/in.txt', 'utf8').trim();",
    "console.log('training on ' + text + ' with lr ' + lr);",
    'if (lr < 0) { console.error("lr must be positive"); process.exit(4); }',
    "fs.mkdirSync('out', { recursive: true });",
    "fs.writeFileSync('out/model.txt', text.toUpperCase() + ' ' + lr);",
    "fs.writeFileSync('metrics.json', JSON.stringify({ score: lr * 10 }));",
  ].join(' '),
);

function trainStage(executor: Record<string, unknown> = EXECUTOR, cmd = TRAIN): Record<string, unknown> {
  return { cmd, deps: ['data/in.txt'], params: ['train.lr'], outs: ['out'], metrics: ['metrics.json'], executor };
}

interface Harness {
  readonly f: PipelineFixture;
  readonly api: FakeKubeApi;
  readonly access: KubernetesAccess;
  readonly remoteDir: string;
  close(): Promise<void>;
}

async function harness(stage: Record<string, unknown>, opts: Partial<FakeKubeOptions> = {}): Promise<Harness> {
  const f = await pipelineFixture({ stages: { train: stage } }, { 'data/in.txt': 'hello pods\n', 'params.yaml': 'train:\n  lr: 0.5\n' });
  const remoteDir = mkdtempSync(join(tmpdir(), 'slipway-remote-'));
  const api = await startFakeKubeApi({ kubelet: fakeKubelet(), ...opts });
  const access = fakeClusterAccess(api, remoteDir);
  return {
    f,
    api,
    access,
    remoteDir,
    close: async () => {
      await api.close();
      await f.close();
      rmSync(remoteDir, { recursive: true, force: true });
    },
  };
}

async function reproWith(h: Harness, opts: { signal?: AbortSignal; lines?: string[] } = {}) {
  const env = pipelineEnv(h.f.ws, h.f.db, h.f.store, { kubernetes: h.access });
  try {
    return await repro(env, h.f.load(), { signal: opts.signal, onLog: (_s, line) => opts.lines?.push(line) });
  } finally {
    env.close();
  }
}

test('a kubernetes stage runs as a Job: inputs up, logs streamed, outputs pulled and locked', { skip: K8S_SCHEMAS_SKIP }, async () => {
  const h = await harness(trainStage());
  try {
    const lines: string[] = [];
    const r = await reproWith(h, { lines });
    assert.equal(r.ok, true, JSON.stringify(r.stages));
    assert.equal(r.stages[0]!.status, 'ran');
    // The pod read the input file and the param from the remote, and its outputs came back into the workspace.
    assert.equal(readFileSync(join(h.f.dir, 'out', 'model.txt'), 'utf8'), 'HELLO PODS 0.5');
    assert.deepEqual(JSON.parse(readFileSync(join(h.f.dir, 'metrics.json'), 'utf8')), { score: 5 });
    assert.ok(lines.includes('training on hello pods with lr 0.5'), 'the pod log is streamed to the stage log');
    const lock = readLock(h.f.env.lockPath, h.f.env.lockCachePath);
    const outs = lock.stages.train!.outs;
    assert.deepEqual(outs.map((o) => o.path).sort(), ['metrics.json', 'out']);
    for (const o of outs) assert.ok(h.f.store.has(o.hash), `${o.path} is in the local store`);
    // The Job body is valid batch/v1 and carries the contract; the server's own answers match the schema.
    assert.deepEqual(h.api.invalid, []);
    assert.deepEqual(h.api.responseErrors, []);
    assert.equal(h.api.posted.length, 1);
    const job = h.api.posted[0]!;
    assert.deepEqual(k8sErrors(job), []);
    const c = job.spec.template.spec.containers[0];
    assert.deepEqual(c.command, ['slipway', 'stage', 'exec']);
    assert.deepEqual(c.envFrom, [{ secretRef: { name: 's3-credentials' } }]);
    assert.equal(job.spec.backoffLimit, 1);
    assert.equal(job.metadata.namespace, undefined, 'namespace comes from the URL (the kubeconfig context: ml)');
    assert.ok(h.api.requests.some((q) => q.startsWith('POST /apis/batch/v1/namespaces/ml/jobs')));
    assert.ok(h.api.requests.some((q) => q.includes('watch=true')));
    // Unchanged inputs: nothing is submitted again.
    const again = await reproWith(h);
    assert.equal(again.stages[0]!.status, 'up_to_date');
    assert.equal(h.api.posted.length, 1);
  } finally {
    await h.close();
  }
});

test('a failing command fails the Job after its retries: JOB_FAILED, nothing locked', { skip: K8S_SCHEMAS_SKIP }, async () => {
  const h = await harness(trainStage());
  try {
    h.f.write({ 'params.yaml': 'train:\n  lr: -1\n' });
    const lines: string[] = [];
    const r = await reproWith(h, { lines });
    assert.equal(r.ok, false);
    assert.equal(r.stages[0]!.status, 'failed');
    assert.equal(r.stages[0]!.error?.code, 'JOB_FAILED');
    assert.match(r.stages[0]!.error!.message, /BackoffLimitExceeded/);
    assert.equal(lines.filter((l) => l === 'lr must be positive').length, 2, 'backoff_limit 1: two pods ran');
    assert.equal(readLock(h.f.env.lockPath, h.f.env.lockCachePath).stages.train, undefined);
    assert.equal(existsSync(join(h.f.dir, 'out')), false);
  } finally {
    await h.close();
  }
});

test('a stage past its deadline fails with JOB_DEADLINE_EXCEEDED', { skip: K8S_SCHEMAS_SKIP }, async () => {
  const h = await harness(trainStage({ ...EXECUTOR, deadline_seconds: 1 }, 'sleep 30'));
  try {
    const r = await reproWith(h);
    assert.equal(r.stages[0]!.error?.code, 'JOB_DEADLINE_EXCEEDED');
    assert.equal(h.api.posted[0]!.spec.activeDeadlineSeconds, 1);
  } finally {
    await h.close();
  }
});

test('cancelling a running stage deletes its Job (propagationPolicy Background)', { skip: K8S_SCHEMAS_SKIP }, async () => {
  const h = await harness(trainStage(EXECUTOR, 'sleep 30'));
  try {
    const ac = new AbortController();
    const running = reproWith(h, { signal: ac.signal });
    await h.api.podRunning();
    ac.abort();
    const r = await running;
    assert.equal(r.interrupted, true);
    assert.equal(r.stages[0]!.status, 'killed', JSON.stringify(r.stages));
    assert.equal(h.api.deletes.length, 1);
    assert.equal(h.api.deletes[0]!.propagationPolicy, 'Background');
    assert.equal(h.api.deletes[0]!.name, h.api.posted[0]!.metadata.name);
  } finally {
    await h.close();
  }
});

for (const [what, opts] of [
  ['no watch (405): polling', { noWatch: true }],
  ['a watch the server closes after each event: re-watched', { watchCloseAfter: 1 }],
] as const)
  test(`the Job is followed to its end with ${what}`, { skip: K8S_SCHEMAS_SKIP }, async () => {
    const h = await harness(trainStage(), opts);
    try {
      const r = await reproWith(h);
      assert.equal(r.stages[0]!.status, 'ran', JSON.stringify(r.stages));
      assert.equal(readFileSync(join(h.f.dir, 'out', 'model.txt'), 'utf8'), 'HELLO PODS 0.5');
    } finally {
      await h.close();
    }
  });

test('without cluster access a kubernetes stage fails with EXECUTOR_UNAVAILABLE', async () => {
  const f = await pipelineFixture({ stages: { train: trainStage() } }, { 'data/in.txt': 'x', 'params.yaml': 'train:\n  lr: 1\n' });
  try {
    const r = await repro(f.env, f.load());
    assert.equal(r.stages[0]!.error?.code, 'EXECUTOR_UNAVAILABLE');
  } finally {
    await f.close();
  }
});

for (const [what, broken] of [
  ['refuses the credentials', (k: string) => k.replace('fake-token', 'wrong')],
  ['is not trusted (its certificate is not in the kubeconfig)', (k: string) => k.replace(/^ *certificate-authority-data: .*$/m, '')],
] as const)
  test(`an API server that ${what} fails the stage with KUBERNETES_FAILED`, { skip: K8S_SCHEMAS_SKIP }, async () => {
    const h = await harness(trainStage());
    try {
      const refused: Harness = { ...h, access: { ...h.access, kubeConfig: async () => kubeConfig(broken(h.api.kubeconfig)) } };
      const r = await reproWith(refused);
      assert.equal(r.stages[0]!.error?.code, 'KUBERNETES_FAILED');
      assert.equal(h.api.posted.length, 0);
    } finally {
      await h.close();
    }
  });

test('a dataset dep travels with the inputs; the pod gets its path in SLIPWAY_DATASET_<NAME>', { skip: K8S_SCHEMAS_SKIP }, async () => {
  const copy = nodeCmd("require('fs').copyFileSync(process.env.SLIPWAY_DATASET_ROWS, 'rows-copy.csv');");
  const h = await harness({ cmd: copy, deps: ['dataset:rows@latest'], outs: ['rows-copy.csv'], executor: EXECUTOR });
  const dir = mkdtempSync(join(tmpdir(), 'slipway-ds-'));
  try {
    writeFileSync(join(dir, 'rows.csv'), 'a,b\n1,2\n');
    await addDataset(h.f.db, h.f.store, { path: join(dir, 'rows.csv'), name: 'rows' });
    const r = await reproWith(h);
    assert.equal(r.stages[0]!.status, 'ran', JSON.stringify(r.stages));
    assert.equal(readFileSync(join(h.f.dir, 'rows-copy.csv'), 'utf8'), 'a,b\n1,2\n');
    const dep = readLock(h.f.env.lockPath, h.f.env.lockCachePath).stages.train!.deps[0]!;
    assert.equal(dep.dataset, 'rows');
    assert.equal(dep.version, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await h.close();
  }
});

const S3 = s3FromEnv();

test(
  "through an S3 remote: the pod gets the credentials from the executor's Secret",
  { skip: K8S_SCHEMAS_SKIP || ('skip' in S3 ? S3.skip : false) },
  async () => {
    if ('skip' in S3) return;
    const { url, cleanup } = s3TestPrefix(S3.settings, S3.bucket);
    const s = S3.settings;
    const secret = {
      S3_ENDPOINT: s.endpoint ?? '',
      AWS_ACCESS_KEY_ID: s.accessKeyId ?? '',
      AWS_SECRET_ACCESS_KEY: s.secretAccessKey ?? '',
      ...(s.region ? { S3_REGION: s.region } : {}),
    };
    const h = await harness(trainStage(), { secrets: { 's3-credentials': secret } });
    try {
      const access: KubernetesAccess = { ...h.access, remote: () => ({ url, remote: openRemote(url, h.f.dir, { s3: s }) }) };
      const r = await reproWith({ ...h, access });
      assert.equal(r.stages[0]!.status, 'ran', JSON.stringify(r.stages));
      assert.equal(readFileSync(join(h.f.dir, 'out', 'model.txt'), 'utf8'), 'HELLO PODS 0.5');
    } finally {
      await h.close();
      await cleanup();
    }
  },
);
