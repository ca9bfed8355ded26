import { SlipwayError } from '../errors/index.js';
import { GRPC_PORT, LIVE_PATH, READY_PATH, REST_PORT } from './build-image.js';
import { IMAGE_UID } from './host-base.js';
import { parseImageRef } from './image-ref.js';

/** A Kubernetes object as plain JSON. */
export type KubernetesObject = Record<string, unknown>;

/** What `slipway deploy kubernetes` renders for one served model. */
export interface KubernetesDeployOptions {
  /** The model the image serves (name and version), for names and labels. */
  readonly model: { readonly name: string; readonly version: number };
  /** The image reference (from `slipway build image --push`). */
  readonly image: string;
  /** Object name (DNS-1123 label; default: the model name). */
  readonly name?: string;
  readonly namespace?: string;
  /** Replicas before the autoscaler acts, and its bounds. */
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  /** Average CPU utilisation (%) the HPA aims for. */
  readonly targetCpuPercent?: number;
  readonly resources?: { readonly cpu?: string; readonly memory?: string; readonly cpuLimit?: string; readonly memoryLimit?: string };
  /** KServe: the share of traffic the new revision gets (canaryTrafficPercent). */
  readonly canaryPercent?: number;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A model name as a DNS-1123 label (lowercase, '-' for anything else, at most 63). */
export function k8sName(s: string): string {
  const cleaned = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '');
  return cleaned || 'model';
}

function check(opts: KubernetesDeployOptions): { name: string; min: number; max: number } {
  parseImageRef(opts.image);
  const name = opts.name ?? k8sName(opts.model.name);
  const bad = (why: string): SlipwayError => new SlipwayError('DEPLOY_INVALID', why, { name });
  if (!DNS_LABEL.test(name) || name.length > 63)
    throw bad(`"${name}" is not a DNS-1123 label (lowercase letters, digits, '-', at most 63)`);
  if (opts.namespace !== undefined && !DNS_LABEL.test(opts.namespace)) throw bad(`namespace "${opts.namespace}" is not a DNS-1123 label`);
  const min = opts.minReplicas ?? 2;
  const max = opts.maxReplicas ?? Math.max(min, 5);
  if (!Number.isInteger(min) || min < 1 || !Number.isInteger(max) || max < min)
    throw bad(`replicas must satisfy 1 ≤ min (${min}) ≤ max (${max})`);
  const c = opts.canaryPercent;
  if (c !== undefined && !(Number.isInteger(c) && c >= 0 && c <= 100))
    throw bad(`the canary percentage must be an integer from 0 to 100 (got ${c})`);
  const t = opts.targetCpuPercent;
  if (t !== undefined && !(Number.isInteger(t) && t >= 1 && t <= 100)) throw bad(`the CPU target must be an integer percentage (got ${t})`);
  return { name, min, max };
}

function labelsOf(opts: KubernetesDeployOptions, name: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': 'model-server',
    'app.kubernetes.io/version': String(opts.model.version),
    'app.kubernetes.io/managed-by': 'slipway',
    'slipway.dev/model': k8sName(opts.model.name),
  };
}

function meta(opts: KubernetesDeployOptions, name: string): Record<string, unknown> {
  return { name, ...(opts.namespace ? { namespace: opts.namespace } : {}), labels: labelsOf(opts, name) };
}

/** The container's resources: requests for scheduling and the HPA's utilisation, limits against runaway memory. */
function resources(opts: KubernetesDeployOptions): Record<string, unknown> {
  const r = opts.resources ?? {};
  return {
    requests: { cpu: r.cpu ?? '500m', memory: r.memory ?? '512Mi' },
    limits: { cpu: r.cpuLimit ?? '2', memory: r.memoryLimit ?? '1Gi' },
  };
}

const containerSecurity = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: IMAGE_UID,
  runAsGroup: IMAGE_UID,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

const podSecurity = {
  runAsNonRoot: true,
  runAsUser: IMAGE_UID,
  runAsGroup: IMAGE_UID,
  fsGroup: IMAGE_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};

function probe(path: string, port: string | number, period: number, failures: number): Record<string, unknown> {
  return { httpGet: { path, port }, periodSeconds: period, timeoutSeconds: 2, failureThreshold: failures };
}

/** The model server container; /tmp is the one writable place (an emptyDir), the root filesystem is read-only. */
function serverContainer(opts: KubernetesDeployOptions, name: string, ports: Record<string, unknown>[]): Record<string, unknown> {
  const http = ports.find((p) => p.containerPort === REST_PORT)!.name as string;
  return {
    name,
    image: opts.image,
    ports,
    readinessProbe: probe(READY_PATH, http, 5, 3),
    livenessProbe: probe(LIVE_PATH, http, 10, 3),
    // Loading a large model can take a while: the startup probe holds liveness off for up to 2 minutes.
    startupProbe: probe(LIVE_PATH, http, 2, 60),
    resources: resources(opts),
    securityContext: containerSecurity,
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

const tmpVolume = { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } };

/** Deployment, Service (grpc 8500, http 8501), HorizontalPodAutoscaler (autoscaling/v2) and PodDisruptionBudget. */
export function renderKubernetesManifests(opts: KubernetesDeployOptions): KubernetesObject[] {
  const { name, min, max } = check(opts);
  const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'model-server' };
  const ports = [
    { name: 'grpc', containerPort: GRPC_PORT, protocol: 'TCP' },
    { name: 'http', containerPort: REST_PORT, protocol: 'TCP' },
  ];
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(opts, name),
    spec: {
      replicas: min,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      // Never below the wanted capacity during a rollout: a new pod must be ready before an old one goes.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: labelsOf(opts, name),
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(REST_PORT), 'prometheus.io/path': '/metrics' },
        },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 30,
          securityContext: podSecurity,
          containers: [serverContainer(opts, 'server', ports)],
          volumes: [tmpVolume],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(opts, name),
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [
        { name: 'grpc', port: GRPC_PORT, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' },
        { name: 'http', port: REST_PORT, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
      ],
    },
  };
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(opts, name),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: min,
      maxReplicas: max,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: opts.targetCpuPercent ?? 70 } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  };
  const pdb = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(opts, name),
    spec: { minAvailable: min > 1 ? min - 1 : 1, selector: { matchLabels: selector } },
  };
  return [deployment, service, hpa, pdb];
}

/**
 * A KServe InferenceService (serving.kserve.io/v1beta1) with the image as a custom predictor container. KServe
 * routes one port per container: the REST port, named http1. With a canary percentage, KServe keeps the previous
 * revision and sends it the rest of the traffic.
 */
export function renderInferenceService(opts: KubernetesDeployOptions): KubernetesObject {
  const { name, min, max } = check(opts);
  const container = serverContainer(opts, 'kserve-container', [{ name: 'http1', containerPort: REST_PORT, protocol: 'TCP' }]);
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: meta(opts, name),
    spec: {
      predictor: {
        minReplicas: min,
        maxReplicas: max,
        ...(opts.canaryPercent !== undefined ? { canaryTrafficPercent: opts.canaryPercent } : {}),
        securityContext: podSecurity,
        automountServiceAccountToken: false,
        containers: [container],
        volumes: [tmpVolume],
      },
    },
  };
}
