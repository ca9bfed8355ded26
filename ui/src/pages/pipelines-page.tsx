import { useState, type ReactNode } from 'react';
import { formatTime } from '../data/format.js';
import { fetchPipeline, pipelineGraph, stageState } from '../data/pipelines-data.js';
import { GraphView } from '../components/graph-view.js';
import { Empty, Show, useAsync } from '../components/state.js';
import { navigate } from '../router.js';

/** The pipeline DAG with each stage's state (up to date, stale and why, running) and its last runs. */
export function PipelinesPage(): ReactNode {
  const state = useAsync(fetchPipeline, []);
  const [picked, setPicked] = useState<string | null>(null);
  return (
    <section data-testid="pipelines-page">
      <h1>Pipeline</h1>
      <Show state={state} what="pipeline">
        {(stages) => {
          if (stages.length === 0)
            return <Empty title="No pipeline stages." hint="Declare stages in slipway.yaml, then `slipway repro`." />;
          const stage = stages.find((s) => s.name === picked) ?? stages[0]!;
          return (
            <>
              <button type="button" onClick={state.reload} data-testid="pipeline-refresh">
                Refresh
              </button>
              <div className="scroll-x">
                <GraphView graph={pipelineGraph(stages)} testId="pipeline-dag" onSelect={setPicked} />
              </div>
              <table className="grid" data-testid="stages-table">
                <thead>
                  <tr>
                    <th>Stage</th>
                    <th>State</th>
                    <th>Why</th>
                    <th>Last run</th>
                  </tr>
                </thead>
                <tbody>
                  {stages.map((s) => (
                    <tr
                      key={s.name}
                      className={`clickable${s.name === stage.name ? ' selected' : ''}`}
                      onClick={() => setPicked(s.name)}
                      data-testid="stage-row"
                    >
                      <td>{s.name}</td>
                      <td>
                        <span className={`badge state-${stageState(s).replace(/ /g, '-')}`}>{stageState(s)}</span>
                      </td>
                      <td>{s.reasons.map((r) => r.message).join('; ')}</td>
                      <td>{s.lastRuns[0] ? `${s.lastRuns[0].status} ${formatTime(s.lastRuns[0].startTime)}` : 'never'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div className="card" data-testid="stage-detail">
                <h2>{stage.name}</h2>
                <p>
                  <code>{stage.cmd.join(' && ')}</code>
                </p>
                <p className="small">deps: {stage.deps.join(', ') || '—'}</p>
                <p className="small">outs: {stage.outs.join(', ') || '—'}</p>
                <h3>Last runs</h3>
                {stage.lastRuns.length === 0 ? (
                  <p className="muted">not run yet</p>
                ) : (
                  <ul>
                    {stage.lastRuns.map((r) => (
                      <li key={r.id}>
                        <a
                          href={`/runs/${r.id}`}
                          onClick={(e) => {
                            e.preventDefault();
                            navigate(`/runs/${r.id}`);
                          }}
                        >
                          {r.id}
                        </a>{' '}
                        {r.status} · {formatTime(r.startTime)}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            </>
          );
        }}
      </Show>
    </section>
  );
}
