import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject as K8sObject } from '@kubernetes/client-node';
import { SlipwayError } from '../errors/index.js';
import { kubernetesFailure } from './kubernetes-failure.js';
import type { KubernetesObject } from './kubernetes-manifests.js';

/** The field manager Slipway's server-side applies are recorded under. */
export const FIELD_MANAGER = 'slipway';

/** A kubeconfig: the given one, or the default chain (KUBECONFIG, ~/.kube/config, in-cluster service account). */
export function kubeConfig(kubeconfigYaml?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (kubeconfigYaml) kc.loadFromString(kubeconfigYaml);
    else kc.loadFromDefault();
  } catch (e) {
    throw new SlipwayError(
      'KUBERNETES_FAILED',
      `cannot load a kubeconfig (${(e as Error).message}); set KUBECONFIG or run inside a cluster`,
      {},
    );
  }
  if (!kc.getCurrentCluster())
    throw new SlipwayError('KUBERNETES_FAILED', 'the kubeconfig has no current cluster; pick a context (kubectl config use-context)', {});
  return kc;
}

/**
 * Server-side applies `objects` (field manager "slipway", conflicts forced: these objects are Slipway's to own),
 * in order. Returns "kind/name" of each applied object.
 */
export async function applyObjects(objects: readonly KubernetesObject[], kc: KubeConfig = kubeConfig()): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const done: string[] = [];
  for (const o of objects) {
    const id = `${String(o.kind)}/${(o.metadata as { name: string }).name}`;
    try {
      await api.patch(o as K8sObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (e) {
      throw kubernetesFailure(e, `applying ${id} failed`);
    }
    done.push(id);
  }
  return done;
}
