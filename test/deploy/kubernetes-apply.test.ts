import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSlipwayError } from '../../src/errors/index.js';
import { renderInferenceService, renderKubernetesManifests } from '../../src/deploy/index.js';
import { applyObjects, kubeConfig } from '../../src/deploy/kubernetes-apply.js';
import { kubeconfigFor, startFakeKubeApi } from './fake-kube-api.js';

const opts = { model: { name: 'iris', version: 2 }, image: 'registry.example.com/acme/iris:2', namespace: 'ml' };

test('--apply server-side applies every object with the slipway field manager', async () => {
  const api = await startFakeKubeApi();
  try {
    const objs = [...renderKubernetesManifests(opts), renderInferenceService({ ...opts, canaryPercent: 10 })];
    const done = await applyObjects(objs, kubeConfig(kubeconfigFor(api.url)));
    assert.deepEqual(done, [
      'Deployment/iris',
      'Service/iris',
      'HorizontalPodAutoscaler/iris',
      'PodDisruptionBudget/iris',
      'InferenceService/iris',
    ]);
    const patches = api.requests.filter((r) => r.method === 'PATCH');
    assert.deepEqual(
      patches.map((p) => p.path),
      [
        '/apis/apps/v1/namespaces/ml/deployments/iris',
        '/api/v1/namespaces/ml/services/iris',
        '/apis/autoscaling/v2/namespaces/ml/horizontalpodautoscalers/iris',
        '/apis/policy/v1/namespaces/ml/poddisruptionbudgets/iris',
        '/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices/iris',
      ],
    );
    for (const p of patches) {
      assert.equal(p.contentType, 'application/apply-patch+yaml');
      assert.equal(p.query.fieldManager, 'slipway');
      assert.equal(p.query.force, 'true');
    }
    assert.deepEqual(patches[0]!.body, objs[0]);
  } finally {
    await api.close();
  }
});

test('a refused apply fails with KUBERNETES_FAILED and the API server message', async () => {
  const api = await startFakeKubeApi({ failWith: 403 });
  try {
    await assert.rejects(applyObjects(renderKubernetesManifests(opts), kubeConfig(kubeconfigFor(api.url))), (e) => {
      assert.ok(isSlipwayError(e, 'KUBERNETES_FAILED'));
      assert.equal(e.details?.status, 403);
      return true;
    });
  } finally {
    await api.close();
  }
});
