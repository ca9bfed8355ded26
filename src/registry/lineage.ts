import type { Db } from '../meta/index.js';
import { resolveModelRef } from './resolve-model.js';
import type { ModelRef } from './model-ref.js';
import { listAliases } from './model-repository.js';
import type { LineageDataset } from './types.js';

/** The chain behind a model version: dataset versions → run (code commit, params) → model version → aliases. */
export interface LineageGraph {
  readonly datasets: readonly LineageDataset[];
  readonly run: {
    readonly id: string;
    readonly experiment: string;
    readonly commit: string | null;
    readonly dirty: boolean;
    readonly params: Readonly<Record<string, string>>;
  } | null;
  readonly source: string | null;
  readonly model: { readonly name: string; readonly version: number; readonly treeHash: string; readonly parent: number | null };
  readonly aliases: readonly string[];
}

/** Builds the lineage of `ref` from the registry (datasets and run as recorded at registration). */
export async function modelLineage(db: Db, ref: string | ModelRef): Promise<LineageGraph> {
  const mv = await resolveModelRef(db, ref);
  const aliases = (await listAliases(db, mv.name)).filter((a) => a.version === mv.version).map((a) => a.alias);
  const run = mv.lineage.run;
  return {
    datasets: mv.lineage.datasets,
    run: run ? { ...run, params: mv.params } : null,
    source: mv.lineage.path ?? null,
    model: { name: mv.name, version: mv.version, treeHash: mv.treeHash, parent: mv.lineage.parent },
    aliases,
  };
}

/** Renders the lineage as an indented text chain. */
export function lineageText(g: LineageGraph): string {
  const lines: string[] = [];
  for (const d of g.datasets) lines.push(`dataset  ${d.dataset}@${d.version}  (${d.treeHash.slice(0, 12)})`);
  if (g.run) {
    const params = Object.entries(g.run.params).map(([k, v]) => `${k}=${v}`);
    lines.push(`  └─► run  ${g.run.id}  experiment ${g.run.experiment}`);
    lines.push(
      `        code ${g.run.commit ?? 'unknown'}${g.run.dirty ? ' (dirty)' : ''}${params.length ? `  params ${params.join(' ')}` : ''}`,
    );
  } else if (g.source) lines.push(`file  ${g.source}`);
  lines.push(
    `  └─► model  ${g.model.name}@${g.model.version}  (${g.model.treeHash.slice(0, 12)})${g.model.parent ? `  parent @${g.model.parent}` : ''}`,
  );
  for (const a of g.aliases) lines.push(`        └─► alias  ${g.model.name}:${a}`);
  return lines.join('\n');
}

/** Renders the lineage as a Graphviz digraph. */
export function lineageDot(g: LineageGraph): string {
  const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const model = `${g.model.name}@${g.model.version}`;
  const out = ['digraph lineage {', '  rankdir=LR;', `  ${q(model)} [shape=box3d];`];
  const runNode = g.run ? `run ${g.run.id}` : g.source ? `file ${g.source}` : null;
  if (runNode) {
    const label = g.run ? `run ${g.run.id}\\ncode ${g.run.commit ?? 'unknown'}${g.run.dirty ? ' (dirty)' : ''}` : runNode;
    out.push(`  ${q(runNode)} [shape=ellipse, label=${q(label).replace(/\\\\n/g, '\\n')}];`, `  ${q(runNode)} -> ${q(model)};`);
  }
  for (const d of g.datasets) {
    const n = `${d.dataset}@${d.version}`;
    out.push(`  ${q(n)} [shape=cylinder];`, `  ${q(n)} -> ${q(runNode ?? model)};`);
  }
  for (const a of g.aliases) out.push(`  ${q(`${g.model.name}:${a}`)} [shape=tag];`, `  ${q(`${g.model.name}:${a}`)} -> ${q(model)};`);
  out.push('}');
  return out.join('\n');
}
