import { api } from './api.js';
import type { Graph } from './models-data.js';
import type { PipelineStage } from './types.js';

/** Fetches the pipeline DAG with each stage's state. */
export async function fetchPipeline(): Promise<PipelineStage[]> {
  return (await api<{ stages: PipelineStage[] }>('/api/pipeline')).stages;
}

/** What a stage shows: running beats stale beats frozen beats up to date. */
export function stageState(s: PipelineStage): 'running' | 'stale' | 'frozen' | 'up to date' {
  if (s.running) return 'running';
  if (s.state === 'stale') return 'stale';
  if (s.state === 'frozen') return 'frozen';
  return 'up to date';
}

/** The DAG laid out in layers: a stage's layer is the longest path from a source stage (cycles cannot occur: the server rejects them). */
export function pipelineGraph(stages: readonly PipelineStage[]): Graph {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const layer = new Map<string, number>();
  const depth = (name: string, seen: Set<string>): number => {
    const known = layer.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0;
    seen.add(name);
    const ups = (byName.get(name)?.upstream ?? []).filter((u) => byName.has(u));
    const d = ups.length === 0 ? 0 : 1 + Math.max(...ups.map((u) => depth(u, seen)));
    layer.set(name, d);
    return d;
  };
  return {
    nodes: stages.map((s) => ({
      id: s.name,
      label: s.name,
      kind: 'stage' as const,
      layer: depth(s.name, new Set()),
      state: stageState(s),
    })),
    edges: stages.flatMap((s) => s.upstream.filter((u) => byName.has(u)).map((u) => ({ from: u, to: s.name }))),
  };
}

/** Positions of a layered graph's nodes: x by layer, y by order within the layer. */
export function layout(
  g: Graph,
  opts: { colWidth?: number; rowHeight?: number } = {},
): { positions: Map<string, { x: number; y: number }>; width: number; height: number } {
  const colW = opts.colWidth ?? 200;
  const rowH = opts.rowHeight ?? 70;
  // Empty layers (a model without datasets) collapse, so the drawing starts at the left edge.
  const used = [...new Set(g.nodes.map((n) => n.layer))].sort((a, b) => a - b);
  const column = new Map(used.map((l, i) => [l, i]));
  const perLayer = new Map<number, number>();
  const positions = new Map<string, { x: number; y: number }>();
  for (const n of g.nodes) {
    const i = perLayer.get(n.layer) ?? 0;
    perLayer.set(n.layer, i + 1);
    positions.set(n.id, { x: column.get(n.layer)! * colW + 10, y: i * rowH + 10 });
  }
  const layers = Math.max(1, used.length);
  const rows = Math.max(1, ...perLayer.values());
  return { positions, width: layers * colW, height: rows * rowH + 10 };
}
