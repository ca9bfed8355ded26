import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FIXTURES } from './temp-workspace.js';

/**
 * Strict validation of Kubernetes objects against the official schemas in test/fixtures/k8s-schemas: the Kubernetes
 * 1.31 swagger (built-in kinds) and KServe 0.15 CRDs. Types, required fields, enums, int-or-string, and no unknown
 * fields (unless a schema allows them). Tests that use it skip with `K8S_SCHEMAS_SKIP` if the fixture is missing.
 */

export const K8S_SCHEMAS = join(FIXTURES, 'k8s-schemas');
const SWAGGER = join(K8S_SCHEMAS, 'kubernetes-v1.31', 'swagger.json');
const KSERVE = join(K8S_SCHEMAS, 'kserve-v0.15.2');

/** A skip reason when the schema fixture is missing, else false. */
export const K8S_SCHEMAS_SKIP: string | false = existsSync(SWAGGER)
  ? false
  : `Kubernetes schemas not found at ${K8S_SCHEMAS} ; schema validation skipped`;

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

let swagger: { definitions: Record<string, Schema> } | undefined;
function definitions(): Record<string, Schema> {
  swagger ??= JSON.parse(readFileSync(SWAGGER, 'utf8')) as { definitions: Record<string, Schema> };
  return swagger.definitions;
}

/** Validates `value` against a swagger 2.0 / structural OpenAPI v3 schema, appending `path: problem` lines to `errors`. */
export function validateSchema(value: unknown, schema: Schema, path: string, errors: string[]): void {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/definitions/', '');
    const def = definitions()[name];
    if (!def) return void errors.push(`${path}: unknown definition ${name}`);
    return validateSchema(value, def, path, errors);
  }
  if (schema.format === 'int-or-string' || schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !Number.isInteger(value)) errors.push(`${path}: expected int or string`);
    return;
  }
  for (const sub of schema.allOf ?? []) validateSchema(value, sub, path, errors);
  for (const alts of [schema.anyOf, schema.oneOf]) {
    if (!alts) continue;
    const ok = alts.some((s) => {
      const e: string[] = [];
      validateSchema(value, s, path, e);
      return e.length === 0;
    });
    if (!ok) errors.push(`${path}: matches none of the allowed shapes`);
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') errors.push(`${path}: expected string, got ${JSON.stringify(value)}`);
      else if (schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: does not match ${schema.pattern}`);
      return;
    case 'integer':
      if (!Number.isInteger(value)) errors.push(`${path}: expected integer, got ${JSON.stringify(value)}`);
      else checkRange(value as number, schema, path, errors);
      if (schema.format === 'int32' && typeof value === 'number' && Math.abs(value) > 2 ** 31) errors.push(`${path}: out of int32 range`);
      return;
    case 'number':
      if (typeof value !== 'number') errors.push(`${path}: expected number`);
      else checkRange(value, schema, path, errors);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${path}: expected boolean`);
      return;
    case 'array':
      if (!Array.isArray(value)) return void errors.push(`${path}: expected array`);
      value.forEach((v, i) => validateSchema(v, schema.items ?? {}, `${path}[${i}]`, errors));
      return;
    case 'object':
    case undefined: {
      if (schema.type === undefined && !schema.properties) return; // free-form (e.g. RawExtension)
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return void errors.push(`${path}: expected object`);
      const obj = value as Record<string, unknown>;
      for (const r of schema.required ?? []) if (!(r in obj)) errors.push(`${path}: missing required ${r}`);
      for (const [k, v] of Object.entries(obj)) {
        const prop = schema.properties?.[k];
        if (prop) validateSchema(v, prop, `${path}.${k}`, errors);
        else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
          validateSchema(v, schema.additionalProperties, `${path}.${k}`, errors);
        else if (schema.additionalProperties !== true && !schema['x-kubernetes-preserve-unknown-fields'])
          errors.push(`${path}: unknown field ${k}`);
      }
      return;
    }
  }
}

function checkRange(n: number, schema: Schema, path: string, errors: string[]): void {
  if (schema.minimum !== undefined && n < schema.minimum) errors.push(`${path}: ${n} < minimum ${schema.minimum}`);
  if (schema.maximum !== undefined && n > schema.maximum) errors.push(`${path}: ${n} > maximum ${schema.maximum}`);
}

/** The swagger definition of a built-in kind, found by its `x-kubernetes-group-version-kind`. */
function definitionFor(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return Object.entries(definitions()).find(([, d]) =>
    d['x-kubernetes-group-version-kind']?.some((g) => g.group === group && g.version === version && g.kind === kind),
  )?.[0];
}

interface Crd {
  spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
}
const crds = new Map<string, Crd>();
function kserveCrd(kind: string): Crd | undefined {
  const file = { InferenceService: 'serving.kserve.io_inferenceservices.yaml', ServingRuntime: 'serving.kserve.io_servingruntimes.yaml' }[
    kind
  ];
  if (!file) return undefined;
  if (!crds.has(file)) crds.set(file, parse(readFileSync(join(KSERVE, file), 'utf8')) as Crd);
  return crds.get(file);
}

/** Every schema problem of a Kubernetes object (built-in kinds from the swagger, KServe kinds from their CRDs). */
export function k8sErrors(obj: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  const def = definitionFor(apiVersion, kind);
  if (def) {
    validateSchema(obj, { $ref: `#/definitions/${def}` }, kind, errors);
    return errors;
  }
  const crd = apiVersion.startsWith('serving.kserve.io/') ? kserveCrd(kind) : undefined;
  const version = crd?.spec.versions.find((v) => `${crd.spec.group}/${v.name}` === apiVersion);
  if (!crd || !version) return [`${kind}: no schema for ${apiVersion} ${kind}`];
  // A CRD's schema leaves metadata open; the API server checks it as ObjectMeta, and so do we.
  const { metadata, ...rest } = obj;
  validateSchema(metadata, { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }, `${kind}.metadata`, errors);
  validateSchema(rest, version.schema.openAPIV3Schema, kind, errors);
  return errors;
}
