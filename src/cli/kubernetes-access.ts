import { isAbsolute, resolve } from 'node:path';
import type { KubernetesAccess } from '../pipeline/index.js';
import { pickRemote } from '../store/index.js';
import type { CliContext } from './context.js';
import { openChosenRemote } from './share-remote.js';

/** Cluster access for kubernetes stages: the default kubeconfig chain and the workspace's remotes, opened on first use. */
export function kubernetesAccessFor(ctx: CliContext): KubernetesAccess {
  return {
    // Loaded on first use (@kubernetes/client-node is heavy), through the loader `deploy kubernetes --apply` uses.
    kubeConfig: async () => (await import('../deploy/kubernetes-apply.js')).kubeConfig(),
    remote: (name) => {
      const { url } = pickRemote(ctx.config().remotes, name);
      // The pod opens the URL itself: a folder remote is only reachable there as an absolute path on a shared volume.
      const podUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || isAbsolute(url) ? url : resolve(ctx.workspace().root, url);
      return { url: podUrl, remote: openChosenRemote(ctx, name).remote };
    },
  };
}
