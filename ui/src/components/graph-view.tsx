import type { ReactNode } from 'react';
import type { Graph } from '../data/models-data.js';
import { layout } from '../data/pipelines-data.js';

const NODE_W = 160;
const NODE_H = 40;

/** A layered DAG drawn as SVG: boxes coloured by kind or state, arrows between them; clicking a node calls `onSelect`. */
export function GraphView({ graph, testId, onSelect }: { graph: Graph; testId: string; onSelect?: (id: string) => void }): ReactNode {
  const { positions, width, height } = layout(graph);
  return (
    <svg className="graph" data-testid={testId} width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img">
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#64748b" />
        </marker>
      </defs>
      {graph.edges.map((e) => {
        const a = positions.get(e.from);
        const b = positions.get(e.to);
        if (!a || !b) return null;
        return (
          <line
            key={`${e.from}->${e.to}`}
            x1={a.x + NODE_W}
            y1={a.y + NODE_H / 2}
            x2={b.x}
            y2={b.y + NODE_H / 2}
            stroke="#64748b"
            markerEnd="url(#arrow)"
          />
        );
      })}
      {graph.nodes.map((n) => {
        const p = positions.get(n.id)!;
        const cls = `node node-${n.kind}${n.state ? ` state-${n.state.replace(/ /g, '-')}` : ''}`;
        return (
          <g
            key={n.id}
            className={cls}
            transform={`translate(${p.x},${p.y})`}
            data-testid={`node-${n.id}`}
            onClick={() => onSelect?.(n.id)}
          >
            <rect width={NODE_W} height={NODE_H} rx={6} />
            <text x={8} y={n.state ? 16 : 24}>
              {n.label.length > 22 ? `${n.label.slice(0, 21)}…` : n.label}
            </text>
            {n.state && (
              <text x={8} y={32} className="node-state">
                {n.state}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
