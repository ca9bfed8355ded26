import { join } from 'node:path';
import type { Pipeline } from './load-pipeline.js';
import { DEFAULT_PARAMS_FILE, getDotted, readParamsFile } from './params-file.js';
import { readMetricsFile } from './stage-outputs.js';

/** The params every stage reads, with their current values in `root`. */
export function usedParams(root: string, pipeline: Pipeline): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of pipeline.stages.values()) {
    for (const spec of s.params) {
      const content = readParamsFile(join(root, spec.file)) ?? {};
      for (const k of spec.keys) out[spec.file === DEFAULT_PARAMS_FILE ? k : `${spec.file}:${k}`] = getDotted(content, k);
    }
  }
  return out;
}

/** The metrics in every stage's metrics files under `root`, flattened to dotted keys. */
export function pipelineMetrics(root: string, pipeline: Pipeline): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of pipeline.stages.values())
    for (const o of s.outs) if (o.kind === 'metric') Object.assign(out, readMetricsFile(join(root, o.path)));
  return out;
}
