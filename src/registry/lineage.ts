import type { Db } from '../meta/index.js';
import { getRun } from '../tracking/index.js';
import { resolveModelRef } from './resolve-model.js';
import type { ModelRef } from './model-ref.js';
import { listAliases } from './model-repository.js';
import type { LineageDataset } from './types.js';

/** A deployment that serves the version (filled in by the caller from slipway.yaml and the rollout state). */
export interface LineageDeployment {
  readonly name: string;
  /** 'stable' (behind the stable alias), 'canary' or 'shadow'. */
  readonly role: string;
  readonly weight?: number;
}

/** What the version did in production (from the prediction log), when known. */
export interface LineageLive {
  readonly requests: number;
  readonly errorRate: number;
  readonly accuracy: number | null;
  readonly labelled: number;
}

/** The chain behind a model version: dataset versions → run (code commit, params) → model version → aliases → deployments. */
export interface LineageGraph {
  readonly datasets: readonly LineageDataset[];
  readonly run: {
    readonly id: string;
    readonly experiment: string;
    readonly commit: string | null;
    readonly dirty: boolean;
    readonly params: Readonly<Record<string, string>>;
    /** The pipeline stage that produced the model, for stage registrations. */
    readonly stage?: string;
    readonly parentRunId?: string | null;
  } | null;
  readonly source: string | null;
  readonly model: { readonly name: string; readonly version: number; readonly treeHash: string; readonly parent: number | null };
  readonly aliases: readonly string[];
  readonly deployments: readonly LineageDeployment[];
  readonly live: LineageLive | null;
}

/**
 * Builds the lineage of `ref` from the registry (datasets and run as recorded at registration). Deployments and live
 * figures belong to other capabilities; the caller passes them in.
 */
export async function modelLineage(
  db: Db,
  ref: string | ModelRef,
  extra: {
    deployments?: (model: string, version: number, aliases: readonly string[]) => Promise<LineageDeployment[]>;
    live?: (model: string, version: number) => Promise<LineageLive | null>;
  } = {},
): Promise<LineageGraph> {
  const mv = await resolveModelRef(db, ref);
  const aliases = (await listAliases(db, mv.name)).filter((a) => a.version === mv.version).map((a) => a.alias);
  const run = mv.lineage.run;
  let parentRunId: string | null = null;
  if (run) {
    try {
      parentRunId = (await getRun(db, run.id)).parentRunId;
    } catch {
      /* the run may live on another tracking server */
    }
  }
  return {
    datasets: mv.lineage.datasets,
    run: run ? { ...run, params: mv.params, ...(mv.lineage.stage ? { stage: mv.lineage.stage } : {}), parentRunId } : null,
    source: mv.lineage.path ?? null,
    model: { name: mv.name, version: mv.version, treeHash: mv.treeHash, parent: mv.lineage.parent },
    aliases,
    deployments: extra.deployments ? await extra.deployments(mv.name, mv.version, aliases) : [],
    live: extra.live ? await extra.live(mv.name, mv.version) : null,
  };
}

/** Renders the lineage as an indented text chain. */
export function lineageText(g: LineageGraph): string {
  const lines: string[] = [];
  for (const d of g.datasets) lines.push(`dataset  ${d.dataset}@${d.version}  (${d.treeHash.slice(0, 12)})`);
  if (g.run) {
    const params = Object.entries(g.run.params).map(([k, v]) => `${k}=${v}`);
    lines.push(`  └─► run  ${g.run.id}  experiment ${g.run.experiment}${g.run.stage ? `  stage ${g.run.stage}` : ''}`);
    lines.push(
      `        code ${g.run.commit ?? 'unknown'}${g.run.dirty ? ' (dirty)' : ''}${params.length ? `  params ${params.join(' ')}` : ''}`,
    );
  } else if (g.source) lines.push(`file  ${g.source}`);
  lines.push(
    `  └─► model  ${g.model.name}@${g.model.version}  (${g.model.treeHash.slice(0, 12)})${g.model.parent ? `  parent @${g.model.parent}` : ''}`,
  );
  for (const a of g.aliases) lines.push(`        └─► alias  ${g.model.name}:${a}`);
  for (const d of g.deployments)
    lines.push(`        └─► deployment  ${d.name}  (${d.role}${d.weight !== undefined ? `, ${d.weight}% of traffic` : ''})`);
  if (g.live)
    lines.push(
      `              └─► live  ${g.live.requests} requests, error rate ${(g.live.errorRate * 100).toFixed(2)}%, accuracy ${g.live.accuracy === null ? '— (no feedback)' : `${g.live.accuracy.toFixed(4)} on ${g.live.labelled} labelled`}`,
    );
  return lines.join('\n');
}

/** Node ids are prefixed by kind, so a dataset `iris@1` and a model `iris@1` are two nodes. */
export function lineageNodeId(kind: 'dataset' | 'run' | 'file' | 'model' | 'alias' | 'deployment' | 'live', key: string): string {
  return `${kind}:${key}`;
}

/** Renders the lineage as a Graphviz digraph (ids unique across kinds; labels say what each node is). */
export function lineageDot(g: LineageGraph): string {
  const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  const node = (id: string, shape: string, label: string): string => `  ${q(id)} [shape=${shape}, label=${q(label)}];`;
  const edge = (a: string, b: string): string => `  ${q(a)} -> ${q(b)};`;
  const model = lineageNodeId('model', `${g.model.name}@${g.model.version}`);
  const out = ['digraph lineage {', '  rankdir=LR;', node(model, 'box3d', `model ${g.model.name}@${g.model.version}`)];
  let from: string | null = null;
  if (g.run) {
    from = lineageNodeId('run', g.run.id);
    out.push(
      node(
        from,
        'ellipse',
        `run ${g.run.id}${g.run.stage ? `\nstage ${g.run.stage}` : ''}\ncode ${g.run.commit ?? 'unknown'}${g.run.dirty ? ' (dirty)' : ''}`,
      ),
      edge(from, model),
    );
  } else if (g.source) {
    from = lineageNodeId('file', g.source);
    out.push(node(from, 'note', `file ${g.source}`), edge(from, model));
  }
  for (const d of g.datasets) {
    const id = lineageNodeId('dataset', `${d.dataset}@${d.version}`);
    out.push(node(id, 'cylinder', `dataset ${d.dataset}@${d.version}`), edge(id, from ?? model));
  }
  for (const a of g.aliases) {
    const id = lineageNodeId('alias', `${g.model.name}:${a}`);
    out.push(node(id, 'tag', `alias ${g.model.name}:${a}`), edge(model, id));
  }
  for (const d of g.deployments) {
    const id = lineageNodeId('deployment', d.name);
    out.push(node(id, 'component', `deployment ${d.name}\n${d.role}${d.weight !== undefined ? ` ${d.weight}%` : ''}`), edge(model, id));
    if (g.live) {
      const live = lineageNodeId('live', `${d.name}/${g.model.name}@${g.model.version}`);
      out.push(
        node(live, 'note', `live: ${g.live.requests} requests\naccuracy ${g.live.accuracy === null ? '—' : g.live.accuracy.toFixed(4)}`),
        edge(id, live),
      );
    }
  }
  out.push('}');
  return out.join('\n');
}
