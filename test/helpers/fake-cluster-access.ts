import { kubeConfig } from '../../src/deploy/kubernetes-apply.js';
import type { KubernetesAccess } from '../../src/pipeline/index.js';
import { openRemote } from '../../src/store/index.js';
import type { FakeKubeApi } from './fake-kube-api.js';

/** Cluster access for the executor tests: the fake API server's kubeconfig, a folder remote, fast polling. */
export function fakeClusterAccess(api: FakeKubeApi, remoteDir: string): KubernetesAccess {
  return {
    kubeConfig: async () => kubeConfig(api.kubeconfig),
    remote: () => ({ url: remoteDir, remote: openRemote(remoteDir) }),
    pollMs: 20,
  };
}
