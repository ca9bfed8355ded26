import type { Pipeline } from './load-pipeline.js';

/** The DAG as indented text: each stage with the stages it depends on. */
export function dagText(p: Pipeline): string {
  const lines: string[] = [];
  for (const name of p.order) {
    const ups = p.upstream.get(name) ?? [];
    const s = p.stages.get(name)!;
    lines.push(`${name}${ups.length ? `  <- ${ups.join(', ')}` : ''}`);
    for (const o of s.outs) lines.push(`    -> ${o.path}${o.kind !== 'out' ? ` (${o.kind})` : ''}`);
  }
  return lines.join('\n');
}

/** The DAG in Graphviz DOT. */
export function dagDot(p: Pipeline): string {
  const q = (s: string): string => JSON.stringify(s);
  const lines = ['digraph pipeline {', '  rankdir=LR;', '  node [shape=box, style=rounded];'];
  for (const name of p.order) lines.push(`  ${q(name)};`);
  for (const name of p.order) for (const u of p.upstream.get(name) ?? []) lines.push(`  ${q(u)} -> ${q(name)};`);
  lines.push('}');
  return lines.join('\n');
}

/** The DAG as a Mermaid flowchart. */
export function dagMermaid(p: Pipeline): string {
  const id = new Map(p.order.map((n, i) => [n, `s${i}`]));
  const lines = ['flowchart LR'];
  for (const name of p.order) lines.push(`  ${id.get(name)}["${name.replace(/"/g, '#quot;')}"]`);
  for (const name of p.order) for (const u of p.upstream.get(name) ?? []) lines.push(`  ${id.get(u)} --> ${id.get(name)}`);
  return lines.join('\n');
}
