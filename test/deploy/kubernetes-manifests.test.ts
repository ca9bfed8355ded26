import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSlipwayError } from '../../src/errors/index.js';
import { renderInferenceService, renderKubernetesManifests, type KubernetesObject } from '../../src/deploy/index.js';
import { k8sErrors, K8S_SCHEMAS_SKIP } from '../helpers/k8s-schema.js';

const opts = { model: { name: 'MNIST_cnn', version: 3 }, image: 'registry.example.com/acme/mnist:3', namespace: 'ml' };

function byKind(objs: KubernetesObject[], kind: string): Record<string, any> {
  return objs.find((o) => o.kind === kind) as Record<string, any>;
}

test('every manifest validates strictly against Kubernetes 1.31 and the KServe 0.15 CRD', { skip: K8S_SCHEMAS_SKIP }, () => {
  for (const o of [...renderKubernetesManifests(opts), renderInferenceService({ ...opts, canaryPercent: 10 })])
    assert.deepEqual(k8sErrors(o), [], `${o.kind as string}`);
});

test('the schema check catches unknown fields and wrong types (so the test above can fail)', { skip: K8S_SCHEMAS_SKIP }, () => {
  const [dep] = renderKubernetesManifests(opts) as Record<string, any>[];
  dep!.spec.template.spec.containers[0].readinessProb = {};
  dep!.spec.replicas = '2';
  const errors = k8sErrors(dep!);
  assert.ok(errors.some((e) => e.includes('unknown field readinessProb')));
  assert.ok(errors.some((e) => e.includes('replicas')));
  const isvc = renderInferenceService(opts) as Record<string, any>;
  isvc.spec.predictor.canaryTrafficPercent = 'ten';
  isvc.spec.predictor.containerz = [];
  const kerr = k8sErrors(isvc);
  assert.ok(kerr.some((e) => e.includes('canaryTrafficPercent')));
  assert.ok(kerr.some((e) => e.includes('unknown field containerz')));
});

test('the Deployment is locked down and probes the Open Inference health endpoints', () => {
  const objs = renderKubernetesManifests(opts);
  assert.deepEqual(
    objs.map((o) => o.kind),
    ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'],
  );
  const dep = byKind(objs, 'Deployment');
  assert.equal(dep.metadata.name, 'mnist-cnn');
  assert.equal(dep.metadata.namespace, 'ml');
  const pod = dep.spec.template.spec;
  const c = pod.containers[0];
  assert.equal(c.image, opts.image);
  assert.equal(c.readinessProbe.httpGet.path, '/v2/health/ready');
  assert.equal(c.livenessProbe.httpGet.path, '/v2/health/live');
  assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
  assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
  assert.deepEqual(c.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }]);
  assert.ok(pod.volumes[0].emptyDir);
  const svc = byKind(objs, 'Service');
  assert.deepEqual(
    svc.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port]),
    [
      ['grpc', 8500],
      ['http', 8501],
    ],
  );
  assert.deepEqual(svc.spec.selector, dep.spec.selector.matchLabels);
  const hpa = byKind(objs, 'HorizontalPodAutoscaler');
  assert.equal(hpa.apiVersion, 'autoscaling/v2');
  assert.equal(hpa.spec.scaleTargetRef.name, 'mnist-cnn');
  assert.equal(byKind(objs, 'PodDisruptionBudget').spec.minAvailable, 1);
  const isvc = renderInferenceService({ ...opts, canaryPercent: 25 }) as Record<string, any>;
  assert.equal(isvc.spec.predictor.canaryTrafficPercent, 25);
  assert.equal(isvc.spec.predictor.containers[0].ports[0].containerPort, 8501);
});

test('bad names, replicas, canary percentages and images are refused with codes', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ name: 'Not_A_Label' }, 'DEPLOY_INVALID'],
    [{ minReplicas: 3, maxReplicas: 2 }, 'DEPLOY_INVALID'],
    [{ canaryPercent: 120 }, 'DEPLOY_INVALID'],
    [{ image: 'UPPER/case:1' }, 'IMAGE_REF_INVALID'],
  ];
  for (const [extra, code] of bad)
    assert.throws(
      () => renderKubernetesManifests({ ...opts, ...extra }),
      (e) => isSlipwayError(e, code as 'DEPLOY_INVALID'),
      JSON.stringify(extra),
    );
});
