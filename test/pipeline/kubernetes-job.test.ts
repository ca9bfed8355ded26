import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJobManifest, type Stage } from '../../src/pipeline/index.js';
import { loadPipeline } from '../../src/pipeline/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { tempDir } from '../helpers/temp-workspace.js';
import { k8sErrors, K8S_SCHEMAS_SKIP } from '../helpers/k8s-schema.js';
import { stringify } from 'yaml';

function jobErrors(job: Record<string, unknown>): string[] {
  return k8sErrors(job);
}

function k8sStage(): Stage {
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

test('the rendered Job validates against the Kubernetes 1.31 batch/v1 Job schema', { skip: K8S_SCHEMAS_SKIP }, () => {
  const job = renderJobManifest(k8sStage(), { env: { SLIPWAY_TRACKING_URI: 'http://slipway:8080' } });
  assert.deepEqual(jobErrors(job), []);
  const spec = job.spec as { template: { spec: { containers: Record<string, unknown>[]; restartPolicy: string } } };
  const c = spec.template.spec.containers[0]!;
  assert.equal(c.image, 'ghcr.io/acme/train:1.2');
  assert.deepEqual(c.command, ['/bin/sh', '-c', '(python prepare.py) && (python train.py --epochs 3)']);
  assert.equal(c.workingDir, '/workspace/ml');
  assert.deepEqual(c.resources, { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' } });
  assert.ok((c.env as { name: string }[]).some((e) => e.name === 'SEED'));
  assert.equal(spec.template.spec.restartPolicy, 'Never');
  const name = (job.metadata as { name: string }).name;
  assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  assert.ok(name.length <= 63);
});

test('the schema check catches a broken manifest (so the test above can fail)', { skip: K8S_SCHEMAS_SKIP }, () => {
  const job = renderJobManifest(k8sStage()) as { spec: { template: { spec: Record<string, unknown> } } };
  job.spec.template.spec.restartPolicyy = 'Never';
  (job.spec as Record<string, unknown>).backoffLimit = 'zero';
  const errors = jobErrors(job);
  assert.ok(errors.some((e) => e.includes('unknown field restartPolicyy')));
  assert.ok(errors.some((e) => e.includes('backoffLimit')));
});

test('rendering a local stage is refused', () => {
  const stage = { ...k8sStage(), executor: 'local' as const };
  assert.throws(
    () => renderJobManifest(stage),
    (e) => isSlipwayError(e, 'PIPELINE_INVALID'),
  );
});
