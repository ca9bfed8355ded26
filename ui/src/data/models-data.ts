import { api, qs } from './api.js';
import type { AliasMove, AliasRecord, GateReport, LineageGraph, ModelSummary, ModelVersion } from './types.js';

/** Fetches the model list. */
export async function fetchModels(): Promise<ModelSummary[]> {
  return (await api<{ models: ModelSummary[] }>('/api/models')).models;
}

/** A model's versions (newest first) and aliases. */
export async function fetchModel(name: string): Promise<{ versions: ModelVersion[]; aliases: AliasRecord[] }> {
  const r = await api<{ versions: ModelVersion[]; aliases: AliasRecord[] }>(
    `/api/models/${encodeURIComponent(name)}${qs({ limit: 1000 })}`,
  );
  return { versions: [...r.versions].sort((a, b) => b.version - a.version), aliases: r.aliases };
}

/** One version and its latest gate report. */
export function fetchVersion(name: string, version: number): Promise<{ version: ModelVersion; gateReport: GateReport | null }> {
  return api(`/api/models/${encodeURIComponent(name)}/versions/${version}`);
}

/** Alias history (newest first). */
export async function fetchHistory(name: string): Promise<AliasMove[]> {
  const h = (await api<{ history: AliasMove[] }>(`/api/models/${encodeURIComponent(name)}/history`)).history;
  return [...h].sort((a, b) => b.at - a.at);
}

/** A version's lineage. */
export async function fetchLineage(name: string, version: number): Promise<LineageGraph> {
  return (await api<{ lineage: LineageGraph }>(`/api/models/${encodeURIComponent(name)}/versions/${version}/lineage`)).lineage;
}

/** Promotes a version to an alias through the gates (POST …/promote, as `slipway models promote`). */
export function promote(
  name: string,
  alias: string,
  version: number,
  reason?: string,
): Promise<{ move: AliasMove; gateReport: GateReport | null }> {
  return api(`/api/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}/promote`, {
    method: 'POST',
    body: { version, actor: 'dashboard', reason },
  });
}

/** Rolls an alias back to where it pointed before (as `slipway models rollback`). */
export function rollback(name: string, alias: string, reason?: string): Promise<{ move: AliasMove }> {
  return api(`/api/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}/rollback`, {
    method: 'POST',
    body: { actor: 'dashboard', reason },
  });
}

/** The aliases pointing at each version. */
export function aliasesByVersion(aliases: readonly AliasRecord[]): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const a of [...aliases].sort((x, y) => x.alias.localeCompare(y.alias))) m.set(a.version, [...(m.get(a.version) ?? []), a.alias]);
  return m;
}

/** Gate rows for the rule table: failures first, then in report order. */
export function gateRows(
  report: GateReport | null,
): { gate: string; rule: string; value: number | null; bound: string; passed: boolean; detail: string }[] {
  if (!report) return [];
  const rows = report.results.map((r) => ({
    gate: r.gate,
    rule: r.rule,
    value: r.value,
    bound: r.bound,
    passed: r.passed,
    detail: r.detail ?? '',
  }));
  return [...rows.filter((r) => !r.passed), ...rows.filter((r) => r.passed)];
}

/** A node of the lineage graph. */
export interface GraphNode {
  readonly id: string;
  readonly label: string;
  readonly kind: 'dataset' | 'run' | 'source' | 'model' | 'alias' | 'deployment' | 'stage';
  readonly layer: number;
  readonly state?: string;
}

/** A directed graph laid out in layers (left to right). */
export interface Graph {
  readonly nodes: GraphNode[];
  readonly edges: { readonly from: string; readonly to: string }[];
}

/** Lineage as a graph: datasets → run (or source path) → model version → aliases/deployments. */
export function lineageGraph(l: LineageGraph): Graph {
  const nodes: GraphNode[] = [];
  const edges: { from: string; to: string }[] = [];
  const model = `model:${l.model.name}@${l.model.version}`;
  const producer = l.run ? `run:${l.run.id}` : l.source ? `source:${l.source}` : null;
  for (const d of l.datasets) {
    const id = `dataset:${d.name}@${d.version}`;
    nodes.push({ id, label: `${d.name}@${d.version}`, kind: 'dataset', layer: 0 });
    edges.push({ from: id, to: producer ?? model });
  }
  if (l.run)
    nodes.push({
      id: producer!,
      label: `run ${l.run.id.slice(-8)}${l.run.commit ? ` @${l.run.commit.slice(0, 7)}` : ''}`,
      kind: 'run',
      layer: 1,
    });
  else if (l.source) nodes.push({ id: producer!, label: l.source, kind: 'source', layer: 1 });
  if (producer) edges.push({ from: producer, to: model });
  nodes.push({ id: model, label: `${l.model.name}@${l.model.version}`, kind: 'model', layer: 2 });
  for (const a of l.aliases) {
    nodes.push({ id: `alias:${a}`, label: `:${a}`, kind: 'alias', layer: 3 });
    edges.push({ from: model, to: `alias:${a}` });
  }
  for (const d of l.deployments ?? []) {
    const role = [d.role, d.weight !== undefined ? `${d.weight}%` : undefined].filter(Boolean).join(' ');
    nodes.push({ id: `deployment:${d.name}`, label: `${d.name}${role ? ` (${role})` : ''}`, kind: 'deployment', layer: 4 });
    edges.push({ from: l.aliases.length ? `alias:${l.aliases[0]}` : model, to: `deployment:${d.name}` });
  }
  return { nodes, edges };
}
