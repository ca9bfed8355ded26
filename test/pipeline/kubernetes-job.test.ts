import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderJobManifest, type Stage } from '../../src/pipeline/index.js';
import { loadPipeline } from '../../src/pipeline/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { SHARED_DATA, tempDir } from '../helpers/temp-workspace.js';
import { stringify } from 'yaml';

interface SwaggerSchema {
  $ref?: string;
  type?: string;
  format?: string;
  properties?: Record<string, SwaggerSchema>;
  required?: string[];
  items?: SwaggerSchema;
  additionalProperties?: SwaggerSchema | boolean;
  enum?: unknown[];
}

const swagger = JSON.parse(readFileSync(join(SHARED_DATA, 'k8s-schemas', 'kubernetes-v1.31', 'swagger.json'), 'utf8')) as {
  definitions: Record<string, SwaggerSchema>;
};

/** A strict check of a value against a swagger 2.0 definition: types, required fields, and no unknown fields. */
function validate(value: unknown, schema: SwaggerSchema, path: string, errors: string[]): void {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/definitions/', '');
    const def = swagger.definitions[name];
    if (!def) return void errors.push(`${path}: unknown definition ${name}`);
    return validate(value, def, path, errors);
  }
  if (schema.format === 'int-or-string') {
    if (typeof value !== 'string' && !Number.isInteger(value)) errors.push(`${path}: expected int or string`);
    return;
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') errors.push(`${path}: expected string, got ${JSON.stringify(value)}`);
      return;
    case 'integer':
      if (!Number.isInteger(value)) errors.push(`${path}: expected integer`);
      if (schema.format === 'int32' && typeof value === 'number' && Math.abs(value) > 2 ** 31) errors.push(`${path}: out of int32 range`);
      return;
    case 'number':
      if (typeof value !== 'number') errors.push(`${path}: expected number`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${path}: expected boolean`);
      return;
    case 'array':
      if (!Array.isArray(value)) return void errors.push(`${path}: expected array`);
      value.forEach((v, i) => validate(v, schema.items ?? {}, `${path}[${i}]`, errors));
      return;
    case 'object':
    case undefined: {
      if (schema.type === undefined && !schema.properties) return; // free-form (e.g. RawExtension)
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return void errors.push(`${path}: expected object`);
      const obj = value as Record<string, unknown>;
      for (const r of schema.required ?? []) if (!(r in obj)) errors.push(`${path}: missing required ${r}`);
      for (const [k, v] of Object.entries(obj)) {
        const prop = schema.properties?.[k];
        if (prop) validate(v, prop, `${path}.${k}`, errors);
        else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
          validate(v, schema.additionalProperties, `${path}.${k}`, errors);
        else if (schema.additionalProperties !== true) errors.push(`${path}: unknown field ${k}`);
      }
      return;
    }
  }
}

function jobErrors(job: unknown): string[] {
  const errors: string[] = [];
  validate(job, { $ref: '#/definitions/io.k8s.api.batch.v1.Job' }, 'Job', errors);
  return errors;
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

test('the rendered Job validates against the Kubernetes 1.31 batch/v1 Job schema', () => {
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

test('the schema check catches a broken manifest (so the test above can fail)', () => {
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
