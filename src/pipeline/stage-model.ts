import { posix } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import type { ExecutorConfig, StageBodyConfig, StageConfig } from '../config/pipeline-schema.js';
import { interpolate } from './templating.js';
import { DEFAULT_PARAMS_FILE } from './params-file.js';
import { isDatasetDep, parseDatasetDep } from './dataset-deps.js';

/** One declared output of a stage; metrics and plots files are outputs too. */
export interface OutSpec {
  /** Workspace-relative POSIX path. */
  readonly path: string;
  /** Stored in the object store (and so restorable from the run cache). */
  readonly cache: boolean;
  /** Kept (not deleted) before the stage runs. */
  readonly persist: boolean;
  readonly kind: 'out' | 'metric' | 'plot';
}

/** A plot file and how to draw it. */
export interface PlotSpec {
  readonly path: string;
  readonly x?: string;
  readonly y?: readonly string[];
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
}

/** Params a stage reads: a file (workspace-relative) and dotted keys in it (empty: the whole file). */
export interface ParamsSpec {
  readonly file: string;
  readonly keys: readonly string[];
}

/** A stage after foreach/matrix expansion and templating, with paths relative to the workspace root. */
export interface Stage {
  readonly name: string;
  readonly cmd: readonly string[];
  /** Workspace-relative POSIX folder the command runs in ('.' for the root). */
  readonly wdir: string;
  readonly desc?: string;
  /** Workspace-relative paths, and `dataset:NAME@latest|N` dataset versions (see dataset-deps.ts). */
  readonly deps: readonly string[];
  readonly params: readonly ParamsSpec[];
  readonly outs: readonly OutSpec[];
  readonly plots: readonly PlotSpec[];
  readonly frozen: boolean;
  readonly alwaysChanged: boolean;
  readonly executor: ExecutorConfig;
}

/** Expands `foreach`/`matrix` stages and `${}` references into concrete stages. */
export function expandStages(stages: Record<string, StageConfig>, vars: Record<string, unknown>): Stage[] {
  const out: Stage[] = [];
  for (const [name, cfg] of Object.entries(stages)) {
    if (cfg.foreach !== undefined) {
      const items = interpolate(cfg.foreach, vars, `stages.${name}.foreach`);
      const body = cfg.do!;
      if (Array.isArray(items)) {
        items.forEach((item, i) => {
          const suffix = item !== null && typeof item === 'object' ? String(i) : String(item);
          out.push(normalize(`${name}@${suffix}`, body, { ...vars, item, key: i }));
        });
      } else if (items !== null && typeof items === 'object') {
        for (const [key, item] of Object.entries(items as Record<string, unknown>))
          out.push(normalize(`${name}@${key}`, body, { ...vars, item, key }));
      } else {
        throw new SlipwayError('PIPELINE_INVALID', `stages.${name}.foreach: expected a list or a mapping to iterate over`, { stage: name });
      }
    } else if (cfg.matrix !== undefined) {
      const axes = Object.entries(cfg.matrix).map(([axis, values]) => {
        const v = interpolate(values, vars, `stages.${name}.matrix.${axis}`);
        if (!Array.isArray(v) || v.length === 0)
          throw new SlipwayError('PIPELINE_INVALID', `stages.${name}.matrix.${axis}: expected a non-empty list`, { stage: name });
        return [axis, v] as const;
      });
      const { matrix: _m, foreach: _f, do: _d, ...body } = cfg;
      for (const combo of cartesian(axes)) {
        const suffix = Object.values(combo)
          .map((v, i) => (v !== null && typeof v === 'object' ? String(i) : String(v)))
          .join('-');
        out.push(normalize(`${name}@${suffix}`, body as StageBodyConfig, { ...vars, item: combo }));
      }
    } else {
      const { matrix: _m, foreach: _f, do: _d, ...body } = cfg;
      out.push(normalize(name, body as StageBodyConfig, vars));
    }
  }
  return out;
}

function cartesian(axes: readonly (readonly [string, unknown[]])[]): Record<string, unknown>[] {
  let acc: Record<string, unknown>[] = [{}];
  for (const [axis, values] of axes) acc = acc.flatMap((c) => values.map((v) => ({ ...c, [axis]: v })));
  return acc;
}

function normalize(name: string, rawBody: StageBodyConfig, vars: Record<string, unknown>): Stage {
  const body = interpolate(rawBody, vars, `stages.${name}`) as StageBodyConfig;
  if (body.cmd === undefined) throw new SlipwayError('PIPELINE_INVALID', `stages.${name}: every stage needs a \`cmd\``, { stage: name });
  const wdir = resolvePath('.', body.wdir ?? '.', name, 'wdir');
  const p = (x: string, key: string): string => resolvePath(wdir, String(x), name, key);
  const entries = <T>(list: readonly (string | Record<string, T | null>)[] | undefined): [string, T | undefined][] =>
    (list ?? []).flatMap((e) =>
      typeof e === 'string'
        ? [[e, undefined] as [string, T | undefined]]
        : Object.entries(e).map(([k, v]) => [k, v ?? undefined] as [string, T | undefined]),
    );
  const outs: OutSpec[] = [];
  for (const [path, o] of entries(body.outs))
    outs.push({ path: p(path, 'outs'), cache: o?.cache ?? true, persist: o?.persist ?? false, kind: 'out' });
  for (const [path, o] of entries(body.metrics))
    outs.push({ path: p(path, 'metrics'), cache: o?.cache ?? true, persist: o?.persist ?? false, kind: 'metric' });
  const plots: PlotSpec[] = [];
  for (const [path, o] of entries(body.plots)) {
    const full = p(path, 'plots');
    if (!outs.some((x) => x.path === full)) outs.push({ path: full, cache: o?.cache ?? true, persist: o?.persist ?? false, kind: 'plot' });
    plots.push({
      path: full,
      x: o?.x,
      y: o?.y === undefined ? undefined : Array.isArray(o.y) ? o.y : [o.y],
      title: o?.title,
      xLabel: o?.x_label,
      yLabel: o?.y_label,
    });
  }
  const params: ParamsSpec[] = [];
  const defaultFile = p(DEFAULT_PARAMS_FILE, 'params');
  for (const e of body.params ?? []) {
    if (typeof e === 'string') addParams(params, defaultFile, [e]);
    else for (const [file, keys] of Object.entries(e)) addParams(params, p(file, 'params'), keys ?? []);
  }
  return {
    name,
    cmd: typeof body.cmd === 'string' ? [body.cmd] : body.cmd,
    wdir,
    desc: body.desc,
    deps: [...new Set((body.deps ?? []).map((d) => (isDatasetDep(String(d)) ? parseDatasetDep(String(d), name).spec : p(d, 'deps'))))],
    params,
    outs,
    plots,
    frozen: body.frozen ?? false,
    alwaysChanged: body.always_changed ?? false,
    executor: body.executor ?? 'local',
  };
}

function addParams(list: ParamsSpec[], file: string, keys: readonly string[]): void {
  const i = list.findIndex((x) => x.file === file);
  if (i < 0) list.push({ file, keys: [...keys] });
  else list[i] = { file, keys: [...new Set([...list[i]!.keys, ...keys])] };
}

/** Joins a stage path onto its wdir and refuses paths that leave the workspace. */
function resolvePath(wdir: string, p: string, stage: string, key: string): string {
  if (posix.isAbsolute(p) || p.includes('\\'))
    throw new SlipwayError('PIPELINE_INVALID', `stages.${stage}.${key}: "${p}" must be a relative POSIX path inside the workspace`, {
      stage,
      path: p,
    });
  const joined = posix.normalize(posix.join(wdir, p)).replace(/\/+$/, '');
  if (joined === '..' || joined.startsWith('../'))
    throw new SlipwayError('PIPELINE_INVALID', `stages.${stage}.${key}: "${p}" points outside the workspace`, { stage, path: p });
  return joined === '' ? '.' : joined;
}

/** True when `inner` is `outer` or lies inside it (POSIX, workspace-relative). */
export function isInside(inner: string, outer: string): boolean {
  return outer === '.' || inner === outer || inner.startsWith(`${outer}/`);
}
