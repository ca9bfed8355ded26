import { useMemo, type ReactNode } from 'react';
import { alignSeries, diffTable, fetchHistories, fetchRuns, parallelCoordinates, parseRunIds } from '../data/compare-data.js';
import { formatNumber } from '../data/format.js';
import { chartColumns } from '../data/run-data.js';
import type { RunRecord } from '../data/types.js';
import { LineChart, seriesColor } from '../components/chart.js';
import { Empty, ErrorBox, Loading, Show, useAsync } from '../components/state.js';
import { navigate } from '../router.js';

const MAX_METRICS = 5;

function OverlaidChart({ runs, metric }: { runs: RunRecord[]; metric: string }): ReactNode {
  const h = useAsync(
    () =>
      fetchHistories(
        runs.map((r) => r.id),
        metric,
      ),
    [runs, metric],
  );
  const data = useMemo(() => {
    if (!h.data) return null;
    return alignSeries(
      h.data.map((points) => {
        const [xs, ys] = chartColumns(points, { x: 'step', smoothing: 0, log: false });
        return { x: xs, y: ys };
      }),
    );
  }, [h.data]);
  const labels = useMemo(() => runs.map((r) => r.name ?? r.id.slice(-8)), [runs]);
  if (h.error !== undefined) return <ErrorBox error={h.error} retry={h.reload} />;
  if (!data) return <Loading what={metric} />;
  return <LineChart data={data} labels={labels} title={metric} testId={`compare-chart-${metric}`} />;
}

function ParallelPlot({ runs }: { runs: RunRecord[] }): ReactNode {
  const { axes, lines } = useMemo(() => parallelCoordinates(runs), [runs]);
  if (axes.length < 2) return <p className="muted">Needs at least two params or metrics.</p>;
  const W = Math.max(600, axes.length * 120);
  const H = 280;
  const x = (i: number): number => 40 + (i * (W - 120)) / (axes.length - 1); // room for the last axis labels
  const y = (v: number): number => H - 30 - v * (H - 60);
  return (
    <svg className="parallel" width={W} height={H} data-testid="parallel-coordinates" role="img">
      {lines.map((l, li) => {
        let d = '';
        l.values.forEach((v, i) => {
          if (v === null) return;
          d += `${d ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
        });
        return <path key={l.runId} d={d} fill="none" stroke={seriesColor(li)} strokeOpacity={0.7} />;
      })}
      {axes.map((a, i) => (
        <g key={a.id}>
          <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} stroke="#334155" />
          <text x={x(i)} y={16} textAnchor="middle" className={a.id.startsWith('metrics.') ? 'axis-metric' : 'axis-param'}>
            {a.label}
          </text>
          <text x={x(i) + 4} y={y(1) + 4} className="small">
            {a.kind === 'numeric' ? formatNumber(a.max) : a.categories[a.categories.length - 1]}
          </text>
          <text x={x(i) + 4} y={y(0)} className="small">
            {a.kind === 'numeric' ? formatNumber(a.min) : a.categories[0]}
          </text>
        </g>
      ))}
    </svg>
  );
}

/** Several runs side by side: overlaid metric charts, parallel coordinates of params → metrics, a diff table. */
export function ComparePage({ query }: { query: URLSearchParams }): ReactNode {
  const ids = parseRunIds(query.get('runs'));
  const state = useAsync(() => (ids.length < 2 ? Promise.resolve([]) : fetchRuns(ids)), [ids.join(',')]);
  return (
    <section data-testid="compare-page">
      <h1>Compare runs</h1>
      {ids.length < 2 ? (
        <Empty title="Pick at least two runs to compare." hint="Select runs on the Runs page and press Compare." />
      ) : (
        <Show state={state} what="runs">
          {(runs) => {
            const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
            const rows = diffTable(runs);
            return (
              <>
                <p className="muted">
                  {runs.length} runs · {metrics.length} metrics{metrics.length > MAX_METRICS ? ` (first ${MAX_METRICS} charted)` : ''}
                </p>
                <div className="charts">
                  {metrics.slice(0, MAX_METRICS).map((m) => (
                    <OverlaidChart key={m} runs={runs} metric={m} />
                  ))}
                </div>
                <h2>Params → metrics</h2>
                <div className="scroll-x">
                  <ParallelPlot runs={runs} />
                </div>
                <h2>Differences</h2>
                <div className="scroll-x">
                  <table className="grid" data-testid="diff-table">
                    <thead>
                      <tr>
                        <th>Key</th>
                        {runs.map((r) => (
                          <th key={r.id}>
                            <a
                              href={`/runs/${r.id}`}
                              onClick={(e) => {
                                e.preventDefault();
                                navigate(`/runs/${r.id}`);
                              }}
                            >
                              {r.name ?? r.id.slice(-8)}
                            </a>
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((row) => (
                        <tr
                          key={`${row.scope}.${row.key}`}
                          className={row.differs ? 'differs' : ''}
                          data-testid={row.differs ? 'diff-row-differs' : 'diff-row'}
                        >
                          <th>
                            {row.scope}.{row.key}
                          </th>
                          {row.values.map((v, i) => (
                            <td key={i}>{typeof v === 'number' ? formatNumber(v) : (v ?? '—')}</td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            );
          }}
        </Show>
      )}
    </section>
  );
}
