import { SlipwayError } from '../errors/index.js';

/**
 * KUBERNETES_FAILED naming the call, with the API server's Status message when the body carries one. Its own file so
 * the pipeline's Job client can use it without loading @kubernetes/client-node through kubernetes-apply.ts.
 */
export function kubernetesFailure(e: unknown, what: string): SlipwayError {
  const err = e as { code?: number; body?: unknown; message?: string };
  let detail = err.message ?? String(e);
  try {
    const body =
      typeof err.body === 'string' ? (JSON.parse(err.body) as { message?: string }) : (err.body as { message?: string } | undefined);
    if (body?.message) detail = body.message;
  } catch {
    // not a Status body
  }
  return new SlipwayError('KUBERNETES_FAILED', `${what}: ${detail}`, { status: err.code }, { cause: e });
}
