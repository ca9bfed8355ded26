import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { CONFIG_FILE, parseYamlWith, slipwayConfigSchema } from '../config/index.js';
import { SlipwayError } from '../errors/index.js';
import { getDotted, paramsReader, DEFAULT_PARAMS_FILE } from './params-file.js';
import { expandStages, isInside, type Stage } from './stage-model.js';
import { isDatasetDep } from './dataset-deps.js';

/** `slipway.yaml` as the pipeline reads it (the whole config; `ci:` is part of it). */
export const pipelineConfigSchema = slipwayConfigSchema;
export type PipelineConfig = z.output<typeof pipelineConfigSchema>;

/** A validated pipeline: expanded stages, their dependency edges and a topological order. */
export interface Pipeline {
  /** The folder stages run in (the workspace root, or an experiment's isolated copy). */
  readonly root: string;
  readonly config: PipelineConfig;
  readonly stages: ReadonlyMap<string, Stage>;
  /** Topological order; among ready stages, declaration order. */
  readonly order: readonly string[];
  /** Stage → the stages it depends on. */
  readonly upstream: ReadonlyMap<string, readonly string[]>;
  /** Stage → the stages that depend on it. */
  readonly downstream: ReadonlyMap<string, readonly string[]>;
}

/** Reads `slipway.yaml` in `root` (or `configPath`), expands and validates the pipeline. Nothing runs. */
export function loadPipeline(root: string, configPath: string = join(root, CONFIG_FILE)): Pipeline {
  if (!existsSync(configPath))
    throw new SlipwayError('CONFIG_NOT_FOUND', `${configPath} does not exist; run \`slipway init\``, { path: configPath });
  const config = parseYamlWith(readFileSync(configPath, 'utf8'), configPath, pipelineConfigSchema);
  return buildPipeline(root, config);
}

/** Builds the pipeline from a parsed config, refusing cycles, output conflicts, missing deps and unknown params. */
export function buildPipeline(root: string, config: PipelineConfig): Pipeline {
  const read = paramsReader();
  const vars = templateVars(root, config, read);
  const list = expandStages(config.stages, vars);
  const stages = new Map<string, Stage>();
  for (const s of list) {
    if (stages.has(s.name))
      throw new SlipwayError('PIPELINE_INVALID', `two stages are named "${s.name}" after foreach/matrix expansion; rename one`, {
        stage: s.name,
      });
    stages.set(s.name, s);
  }
  checkOutputs(list);
  const upstream = new Map<string, string[]>();
  const missing: string[] = [];
  for (const s of list) {
    const ups = new Set<string>();
    for (const dep of s.deps) {
      if (isDatasetDep(dep)) continue; // resolved against the registry when the stage is checked, not a path
      const producers = list.filter((o) => o.outs.some((out) => isInside(dep, out.path) || isInside(out.path, dep)));
      for (const p of producers) {
        if (p.name === s.name)
          throw new SlipwayError(
            'PIPELINE_CYCLE',
            `stage "${s.name}" depends on its own output "${dep}"; a stage cannot read what it writes (use \`persist: true\` on the output instead)`,
            {
              stages: [s.name],
            },
          );
        ups.add(p.name);
      }
      if (producers.length === 0 && !existsSync(join(root, dep))) missing.push(`stage "${s.name}" needs "${dep}"`);
    }
    upstream.set(s.name, [...ups]);
  }
  if (missing.length > 0)
    throw new SlipwayError(
      'DEPENDENCY_MISSING',
      `missing dependencies that no stage produces: ${missing.join('; ')}. Create the files, add a stage that outputs them, or fix the path`,
      {
        missing,
      },
    );
  checkParams(root, list, read);
  const downstream = new Map<string, string[]>(list.map((s) => [s.name, []]));
  for (const [s, ups] of upstream) for (const u of ups) downstream.get(u)!.push(s);
  return { root, config, stages, order: topoOrder(list, upstream), upstream, downstream };
}

function templateVars(root: string, config: PipelineConfig, read: ReturnType<typeof paramsReader>): Record<string, unknown> {
  const vars: Record<string, unknown> = { ...(read(root, DEFAULT_PARAMS_FILE) ?? {}) };
  for (const v of config.vars ?? []) {
    if (typeof v !== 'string') {
      Object.assign(vars, v);
      continue;
    }
    const [file, keyList] = v.split(':') as [string, string | undefined];
    const content = read(root, file);
    if (content === undefined) throw new SlipwayError('PIPELINE_INVALID', `vars: file "${file}" does not exist`, { file });
    if (keyList === undefined) Object.assign(vars, content);
    else for (const k of keyList.split(',')) vars[k.trim()] = getDotted(content, k.trim());
  }
  return vars;
}

function checkOutputs(list: readonly Stage[]): void {
  const all = list.flatMap((s) => s.outs.map((o) => ({ stage: s.name, path: o.path })));
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i]!;
      const b = all[j]!;
      if (a.path === b.path)
        throw new SlipwayError(
          'OUTPUT_CONFLICT',
          `stages "${a.stage}" and "${b.stage}" both write "${a.path}"; each output must have exactly one producing stage`,
          {
            stages: [a.stage, b.stage],
            path: a.path,
          },
        );
      if (isInside(a.path, b.path) || isInside(b.path, a.path)) {
        const [inner, outer] = isInside(a.path, b.path) ? [a, b] : [b, a];
        throw new SlipwayError(
          'OUTPUT_CONFLICT',
          `output "${inner.path}" of stage "${inner.stage}" lies inside output "${outer.path}" of stage "${outer.stage}"; outputs must not overlap`,
          { stages: [inner.stage, outer.stage], path: inner.path },
        );
      }
    }
  }
}

function checkParams(root: string, list: readonly Stage[], read: ReturnType<typeof paramsReader>): void {
  const problems: string[] = [];
  for (const s of list) {
    for (const spec of s.params) {
      const content = read(root, spec.file);
      if (content === undefined) {
        problems.push(`stage "${s.name}" reads params from "${spec.file}", which does not exist`);
        continue;
      }
      for (const key of spec.keys)
        if (getDotted(content, key) === undefined) problems.push(`stage "${s.name}": "${key}" is not in ${spec.file}`);
    }
  }
  if (problems.length > 0)
    throw new SlipwayError(
      'PARAM_NOT_FOUND',
      `unknown params: ${problems.join('; ')}. Add the keys to the params file or remove them from the stage`,
      { problems },
    );
}

function topoOrder(list: readonly Stage[], upstream: ReadonlyMap<string, readonly string[]>): string[] {
  const indeg = new Map(list.map((s) => [s.name, upstream.get(s.name)!.length]));
  const order: string[] = [];
  const done = new Set<string>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const s of list) {
      if (done.has(s.name) || indeg.get(s.name)! > 0) continue;
      order.push(s.name);
      done.add(s.name);
      progress = true;
      for (const t of list) if (upstream.get(t.name)!.includes(s.name)) indeg.set(t.name, indeg.get(t.name)! - 1);
    }
  }
  if (order.length < list.length) {
    const cycle = findCycle(
      list.filter((s) => !done.has(s.name)).map((s) => s.name),
      upstream,
    );
    throw new SlipwayError(
      'PIPELINE_CYCLE',
      `the stages form a cycle: ${cycle.join(' -> ')}; break it by removing one of these dependencies`,
      { stages: cycle },
    );
  }
  return order;
}

function findCycle(names: readonly string[], upstream: ReadonlyMap<string, readonly string[]>): string[] {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 1);
    stack.push(n);
    for (const u of upstream.get(n) ?? []) {
      if (state.get(u) === 1) return [...stack.slice(stack.indexOf(u)), u].reverse();
      if (state.get(u) === undefined) {
        const c = visit(u);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of names) {
    if (state.get(n) === undefined) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return [...names];
}
