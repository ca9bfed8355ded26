import { badInput, conflict, notFound, unauthorized, unavailable } from '../spec.js';

/** Container images (OCI), registries, Kubernetes manifests and the Kubernetes executor. */
export const deployErrors = {
  IMAGE_REF_INVALID: badInput,
  IMAGE_BASE_NOT_FOUND: notFound,
  IMAGE_BASE_INVALID: badInput,
  IMAGE_OUTPUT_INVALID: badInput,
  IMAGE_INPUT_CHANGED: conflict,
  REGISTRY_UNAUTHORIZED: unauthorized,
  REGISTRY_NOT_FOUND: notFound,
  REGISTRY_FAILED: unavailable,
  DEPLOY_INVALID: badInput,
  KUBERNETES_FAILED: unavailable,
} as const;
