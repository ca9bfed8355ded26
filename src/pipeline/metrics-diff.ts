import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SlipwayError } from '../errors/index.js';
import type { Db } from '../meta/index.js';
import type { Pipeline } from './load-pipeline.js';
import { getDotted, readParamsFile, flattenParams } from './params-file.js';
import { metricsFromText, readMetricsFile } from './stage-outputs.js';
import { isGitRevision, readAtRevision } from './git-revision.js';

/** Metrics by file, flattened to dotted keys. */
export type MetricsByFile = Record<string, Record<string, number>>;

/** One row of a metrics or params diff. */
export interface DiffRow {
  readonly path: string;
  readonly key: string;
  readonly old: number | string | null;
  readonly new: number | string | null;
  /** new − old, when both are numbers. */
  readonly change: number | null;
}

/** What a BASE resolved to: a git revision or a registered model version. */
export interface ResolvedBase {
  readonly kind: 'git' | 'model';
  readonly label: string;
  /** Metrics are keyed by the file they came from (git revisions; models registered from the pipeline): diff file with file. */
  readonly byFile: boolean;
  readonly metrics: MetricsByFile;
  readonly params: Record<string, Record<string, unknown>>;
}

/** The metrics files of the pipeline, read from `root`. */
export function currentMetrics(root: string, pipeline: Pipeline): MetricsByFile {
  const out: MetricsByFile = {};
  for (const s of pipeline.stages.values())
    for (const o of s.outs) if (o.kind === 'metric') out[o.path] = readMetricsFile(join(root, o.path));
  return out;
}

/** The params the stages read, by file, from `root`. */
export function currentParams(root: string, pipeline: Pipeline): Record<string, Record<string, unknown>> {
  return collectParams(pipeline, (file) => readParamsFile(join(root, file)));
}

function collectParams(
  pipeline: Pipeline,
  read: (file: string) => Record<string, unknown> | undefined,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of pipeline.stages.values()) {
    for (const spec of s.params) {
      const content = read(spec.file);
      const target = (out[spec.file] ??= {});
      if (spec.keys.length === 0) Object.assign(target, flattenParams(content ?? {}));
      for (const k of spec.keys) target[k] = content === undefined ? null : (getDotted(content, k) ?? null);
    }
  }
  return out;
}

/**
 * Resolves BASE: a git revision (files read with `git show REV:path`), or a model reference (`production`,
 * `mnist:production`, `mnist@3`) whose stored metrics and params are compared. A bare alias uses `defaultModel`.
 */
export async function resolveBase(
  root: string,
  pipeline: Pipeline,
  base: string,
  opts: { db?: () => Promise<Db>; defaultModel?: string } = {},
): Promise<ResolvedBase> {
  if (!base.includes(':') && !base.includes('@') && isGitRevision(root, base)) {
    const metrics: MetricsByFile = {};
    for (const file of Object.keys(currentMetrics(root, pipeline))) {
      const text = readAtRevision(root, base, file);
      metrics[file] = text === undefined ? {} : metricsFromText(text, file);
    }
    const params = collectParams(pipeline, (file) => {
      const text = readAtRevision(root, base, file);
      const v = text === undefined ? undefined : parseText(file, text);
      return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
    });
    return { kind: 'git', label: base, metrics, params, byFile: true };
  }
  if (!opts.db) throw new SlipwayError('REVISION_NOT_FOUND', `"${base}" is not a git revision here`, { base });
  // Lazy on purpose (as in ci-run.ts): only a model BASE needs the registry; `metrics diff main` does not load it.
  const { resolveModelRef } = await import('../registry/index.js');
  const db = await opts.db();
  const refs = base.includes(':') || base.includes('@') ? [base] : [...(opts.defaultModel ? [`${opts.defaultModel}:${base}`] : []), base];
  let lastErr: unknown;
  for (const ref of refs) {
    try {
      const mv = await resolveModelRef(db, ref);
      const label = `${mv.name}@${mv.version} (${ref})`;
      // A version registered by `ci` kept its metrics per file: comparing by key alone would set, say, its held-out
      // accuracy against the workspace's training accuracy.
      const files = mv.lineage.metricsFiles;
      if (files && Object.keys(files).length > 0)
        return {
          kind: 'model',
          label,
          metrics: structuredClone(files) as MetricsByFile,
          params: { [label]: { ...mv.params } },
          byFile: true,
        };
      return { kind: 'model', label, metrics: { [label]: { ...mv.metrics } }, params: { [label]: { ...mv.params } }, byFile: false };
    } catch (e) {
      lastErr = e;
    }
  }
  throw new SlipwayError(
    'REVISION_NOT_FOUND',
    `"${base}" is neither a git revision nor a model reference the registry knows (${(lastErr as Error)?.message ?? 'unknown'}); use a commit/branch, name:alias or name@N`,
    { base },
  );
}

function parseText(file: string, text: string): unknown {
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch {
    return undefined;
  }
}

/**
 * Diffs two sets of values by file and key. When the base is a model version (one pseudo-file), its keys are matched
 * against every current file's keys by name.
 */
export function diffValues(
  base: Record<string, Record<string, unknown>>,
  current: Record<string, Record<string, unknown>>,
  byKeyOnly = false,
): DiffRow[] {
  const rows: DiffRow[] = [];
  const norm = (v: unknown): number | string | null =>
    v === undefined || v === null ? null : typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v);
  if (byKeyOnly) {
    const old: Record<string, unknown> = Object.assign({}, ...Object.values(base));
    const seen = new Set<string>();
    for (const [path, values] of Object.entries(current)) {
      for (const [key, v] of Object.entries(values)) {
        seen.add(key);
        rows.push(row(path, key, norm(old[key]), norm(v)));
      }
    }
    for (const [key, v] of Object.entries(old)) if (!seen.has(key)) rows.push(row(Object.keys(base)[0] ?? 'base', key, norm(v), null));
    return rows;
  }
  for (const path of [...new Set([...Object.keys(current), ...Object.keys(base)])].sort()) {
    const c = current[path] ?? {};
    const b = base[path] ?? {};
    for (const key of [...new Set([...Object.keys(c), ...Object.keys(b)])].sort()) rows.push(row(path, key, norm(b[key]), norm(c[key])));
  }
  return rows;
}

function row(path: string, key: string, old: number | string | null, now: number | string | null): DiffRow {
  return { path, key, old, new: now, change: typeof old === 'number' && typeof now === 'number' ? now - old : null };
}

/** A Markdown table of a diff. */
export function diffMarkdown(rows: readonly DiffRow[], baseLabel: string, keyHeader = 'metric'): string {
  const f = (v: number | string | null): string => (v === null ? '—' : typeof v === 'number' ? fmt(v) : v);
  const lines = [`| file | ${keyHeader} | ${baseLabel} | workspace | change |`, '|---|---|---:|---:|---:|'];
  for (const r of rows)
    lines.push(
      `| ${r.path} | ${r.key} | ${f(r.old)} | ${f(r.new)} | ${r.change === null ? '' : `${r.change >= 0 ? '+' : ''}${fmt(r.change)}`} |`,
    );
  return lines.join('\n');
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : Math.abs(n) >= 1 ? n.toFixed(4) : n.toPrecision(4);
}
