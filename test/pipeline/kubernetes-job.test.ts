import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJobManifest, readContract, POD_ENV, POD_EXIT_CONTRACT, type Stage } from '../../src/pipeline/index.js';
import { loadPipeline } from '../../src/pipeline/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { k8sErrors, K8S_SCHEMAS_SKIP } from '../helpers/k8s-schema.js';
import { stringify } from 'yaml';

const HASH = 'a'.repeat(64);
const CONTRACT = {
  remote: 's3://bucket/slipway',
  inputs: [HASH],
  steps: [[{ stage: 'Train_Model.v2', wdir: 'ml', cmd: ['python prepare.py', 'python train.py --epochs 3'] }]],
  outs: ['ml/model'],
};

function k8sStage(extra: Record<string, unknown> = {}): Stage {
  const t = tempDir({
    'slipway.yaml': stringify({
      stages: {
        'Train_Model.v2': {
          cmd: ['python prepare.py', 'python train.py --epochs 3'],
          wdir: 'ml',
          executor: {
            kind: 'kubernetes',
            image: 'ghcr.io/acme/train:1.2',
            namespace: 'ml',
            resources: { cpu: 2, memory: '4Gi', gpu: 1 },
            env: { SEED: '42' },
            secret: 's3-credentials',
            ...extra,
          },
        },
      },
    }),
  });
  try {
    return loadPipeline(t.dir).stages.get('Train_Model.v2')!;
  } finally {
    t.cleanup();
  }
}

type Container = { env: { name: string; value: string }[] } & Record<string, unknown>;
const containerOf = (job: Record<string, unknown>): Container =>
  (job.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;

test('the rendered Job validates against the Kubernetes 1.31 batch/v1 Job schema', { skip: K8S_SCHEMAS_SKIP }, () => {
  const job = renderJobManifest(k8sStage({ deadline_seconds: 600 }), {
    contract: CONTRACT,
    env: { SLIPWAY_TRACKING_URI: 'http://slipway:8080' },
  });
  assert.deepEqual(k8sErrors(job), []);
  const spec = job.spec as Record<string, unknown> & { template: { spec: { restartPolicy: string; volumes: unknown[] } } };
  const c = containerOf(job);
  assert.equal(c.image, 'ghcr.io/acme/train:1.2');
  assert.deepEqual(c.command, ['slipway', 'stage', 'exec']);
  assert.deepEqual(c.envFrom, [{ secretRef: { name: 's3-credentials' } }]);
  assert.deepEqual(c.resources, { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' } });
  assert.ok(c.env.some((e) => e.name === 'SEED'));
  assert.equal(spec.template.spec.restartPolicy, 'Never');
  assert.deepEqual(spec.template.spec.volumes, [{ name: 'workspace', emptyDir: {} }]);
  assert.equal(spec.activeDeadlineSeconds, 600);
  assert.equal(spec.backoffLimit, 0);
  // The contract round-trips through the container env to what the pod reads.
  const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
  assert.deepEqual(readContract(env), { ...CONTRACT, terminationLog: '/dev/termination-log' });
  const name = (job.metadata as { name: string }).name;
  assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  assert.ok(name.length <= 63);
});

test(
  'an Indexed Job for a queue: completions, parallelism, per-index retries, FailIndex on a broken contract',
  { skip: K8S_SCHEMAS_SKIP },
  () => {
    const contract = {
      ...CONTRACT,
      inputs: [HASH, 'b'.repeat(64), 'c'.repeat(64)],
      steps: [CONTRACT.steps[0]!, CONTRACT.steps[0]!, CONTRACT.steps[0]!],
    };
    const job = renderJobManifest(k8sStage(), { contract, indexed: { parallelism: 8, backoffLimitPerIndex: 2 } });
    assert.deepEqual(k8sErrors(job), []);
    const spec = job.spec as Record<string, unknown> & { podFailurePolicy: { rules: Record<string, unknown>[] } };
    assert.equal(spec.completionMode, 'Indexed');
    assert.equal(spec.completions, 3);
    assert.equal(spec.parallelism, 3, 'never more pods at once than indexes');
    assert.equal(spec.backoffLimitPerIndex, 2);
    assert.equal(spec.backoffLimit, undefined);
    // Images from `slipway build image` start Slipway with node: the command says how.
    const built = renderJobManifest(k8sStage({ slipway_command: ['node', '/app/bin/slipway.js'] }), { contract: CONTRACT });
    assert.deepEqual(containerOf(built).command, ['node', '/app/bin/slipway.js', 'stage', 'exec']);
    assert.deepEqual(spec.podFailurePolicy.rules[1], {
      action: 'FailIndex',
      onExitCodes: { containerName: 'stage', operator: 'In', values: [POD_EXIT_CONTRACT] },
    });
  },
);

test('the schema check catches a broken manifest (so the tests above can fail)', { skip: K8S_SCHEMAS_SKIP }, () => {
  const job = renderJobManifest(k8sStage(), { contract: CONTRACT }) as { spec: { template: { spec: Record<string, unknown> } } };
  job.spec.template.spec.restartPolicyy = 'Never';
  (job.spec as Record<string, unknown>).backoffLimit = 'zero';
  const errors = k8sErrors(job);
  assert.ok(errors.some((e) => e.includes('unknown field restartPolicyy')));
  assert.ok(errors.some((e) => e.includes('backoffLimit')));
});

test('rendering a local stage is refused', () => {
  const stage = { ...k8sStage(), executor: 'local' as const };
  assert.throws(
    () => renderJobManifest(stage, { contract: CONTRACT }),
    (e) => isSlipwayError(e, 'PIPELINE_INVALID'),
  );
});

test('a pod contract with a missing or malformed variable is CONFIG_INVALID', () => {
  const env = { [POD_ENV.remote]: 's3://b/p', [POD_ENV.inputs]: JSON.stringify([HASH]), [POD_ENV.outs]: '[]' };
  assert.throws(
    () => readContract(env),
    (e) => isSlipwayError(e, 'CONFIG_INVALID'),
  );
  assert.throws(
    () => readContract({ ...env, [POD_ENV.steps]: '{not json' }),
    (e) => isSlipwayError(e, 'CONFIG_INVALID'),
  );
  assert.throws(
    () => readContract({ ...env, [POD_ENV.steps]: '[]' }),
    (e) => isSlipwayError(e, 'CONFIG_INVALID'),
    'one step list per input',
  );
  assert.equal(readContract({ ...env, [POD_ENV.steps]: '[[]]' }).inputs[0], HASH);
});
