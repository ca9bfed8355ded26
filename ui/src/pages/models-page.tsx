import { useState, type ReactNode } from 'react';
import { formatNumber, formatTime } from '../data/format.js';
import {
  aliasesByVersion,
  fetchHistory,
  fetchLineage,
  fetchModel,
  fetchModels,
  fetchVersion,
  gateRows,
  lineageGraph,
  promote,
  rollback,
} from '../data/models-data.js';
import type { AliasRecord, ModelVersion } from '../data/types.js';
import { GraphView } from '../components/graph-view.js';
import { Empty, ErrorBox, Show, useAsync } from '../components/state.js';
import { navigate } from '../router.js';

/** The model list. */
export function ModelsPage(): ReactNode {
  const state = useAsync(fetchModels, []);
  return (
    <section data-testid="models-page">
      <h1>Models</h1>
      <Show state={state} what="models">
        {(models) =>
          models.length === 0 ? (
            <Empty title="No models registered yet." hint="Register one with `slipway models register NAME --from RUN_ID`." />
          ) : (
            <table className="grid" data-testid="models-table">
              <thead>
                <tr>
                  <th>Model</th>
                  <th>Versions</th>
                  <th>Latest</th>
                  <th>Aliases</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {models.map((m) => (
                  <tr key={m.name} data-testid="model-row">
                    <td>
                      <a
                        href={`/models/${encodeURIComponent(m.name)}`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(`/models/${encodeURIComponent(m.name)}`);
                        }}
                        data-testid="model-link"
                      >
                        {m.name}
                      </a>
                    </td>
                    <td>{m.versions}</td>
                    <td>{m.latestVersion ?? '—'}</td>
                    <td>
                      {Object.entries(m.aliases).map(([a, v]) => (
                        <span key={a} className="badge">
                          {a} → v{v}
                        </span>
                      ))}
                    </td>
                    <td>{formatTime(m.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </section>
  );
}

function VersionDetail({
  name,
  version,
  aliases,
  onChanged,
}: {
  name: string;
  version: number;
  aliases: readonly AliasRecord[];
  onChanged: () => void;
}): ReactNode {
  const v = useAsync(() => fetchVersion(name, version), [name, version]);
  const lineage = useAsync(() => fetchLineage(name, version), [name, version]);
  const [alias, setAlias] = useState('production');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const act = async (f: () => Promise<{ move: { alias: string; from: number | null; to: number | null } }>): Promise<void> => {
    setBusy(true);
    setActionError(undefined);
    setResult(null);
    try {
      const r = await f();
      setResult({ ok: true, text: `${r.move.alias}: v${r.move.from ?? '—'} → v${r.move.to ?? '—'}` });
      onChanged();
      v.reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };
  const rows = gateRows(v.data?.gateReport ?? null);
  const report = v.data?.gateReport ?? null;
  return (
    <div className="card" data-testid="version-detail">
      <h2>
        {name}@{version}
      </h2>
      <div className="toolbar" data-testid="alias-actions">
        <label>
          alias <input value={alias} onChange={(e) => setAlias(e.target.value)} data-testid="alias-input" list="alias-names" />
        </label>
        <datalist id="alias-names">
          {aliases.map((a) => (
            <option key={a.alias} value={a.alias} />
          ))}
        </datalist>
        <button
          type="button"
          disabled={busy || !alias}
          onClick={() => void act(() => promote(name, alias, version))}
          data-testid="promote-button"
        >
          Promote v{version} to {alias}
        </button>
        <button
          type="button"
          disabled={busy || !aliases.some((a) => a.alias === alias)}
          onClick={() => void act(() => rollback(name, alias))}
          data-testid="rollback-button"
        >
          Roll back {alias}
        </button>
      </div>
      {result && (
        <p className="ok" data-testid="action-result">
          {result.text}
        </p>
      )}
      {actionError !== undefined && <ErrorBox error={actionError} />}
      <Show state={v} what="version">
        {({ version: mv }) => (
          <>
            <p className="muted">
              {mv.format} · tree <code>{mv.treeHash.slice(0, 12)}</code> · run{' '}
              {mv.runId ? (
                <a
                  href={`/runs/${mv.runId}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/runs/${mv.runId}`);
                  }}
                >
                  {mv.runId}
                </a>
              ) : (
                '—'
              )}{' '}
              · {formatTime(mv.createdAt)}
            </p>
            <h3>Metrics</h3>
            <p>
              {Object.entries(mv.metrics).map(([k, x]) => (
                <span key={k} className="badge">
                  {k} {formatNumber(x)}
                </span>
              ))}
              {Object.keys(mv.metrics).length === 0 && <span className="muted">none recorded</span>}
            </p>
          </>
        )}
      </Show>
      <h3>
        Gate report{' '}
        {report && (
          <span className={`badge ${report.passed ? 'pass' : 'fail'}`} data-testid="gate-verdict">
            {report.passed ? 'passed' : 'failed'}
          </span>
        )}
      </h3>
      {report ? (
        <>
          <p className="muted small">
            on {report.dataset} ({report.rows} rows), {formatTime(report.createdAt)}
          </p>
          <table className="grid" data-testid="gate-table">
            <thead>
              <tr>
                <th>Gate</th>
                <th>Rule</th>
                <th>Measured</th>
                <th>Bound</th>
                <th>Result</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i} className={r.passed ? '' : 'failed'}>
                  <td>{r.gate}</td>
                  <td>{r.rule}</td>
                  <td>{formatNumber(r.value)}</td>
                  <td>{r.bound}</td>
                  <td>{r.passed ? '✓ pass' : `✗ fail${r.detail ? ` (${r.detail})` : ''}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        v.data && (
          <p className="muted" data-testid="no-gate-report">
            No gate report yet: `slipway gates run {name}@{version}` or promote it.
          </p>
        )
      )}
      <h3>Lineage</h3>
      <Show state={lineage} what="lineage">
        {(l) => (
          <GraphView
            graph={lineageGraph(l)}
            testId="lineage-graph"
            onSelect={(id) => {
              if (id.startsWith('run:')) navigate(`/runs/${id.slice(4)}`);
              else if (id.startsWith('dataset:')) navigate(`/datasets/${encodeURIComponent(id.slice(8).split('@')[0]!)}`);
            }}
          />
        )}
      </Show>
    </div>
  );
}

/** One model: versions with their aliases, a version's gate report and lineage, alias history, promote/rollback. */
export function ModelPage({ name, query }: { name: string; query: URLSearchParams }): ReactNode {
  const model = useAsync(() => fetchModel(name), [name]);
  const history = useAsync(() => fetchHistory(name), [name]);
  const picked = Number(query.get('version')) || undefined;
  const reload = (): void => {
    model.reload();
    history.reload();
  };
  return (
    <section data-testid="model-page">
      <h1>Model {name}</h1>
      <Show state={model} what="model">
        {({ versions, aliases }) => {
          if (versions.length === 0) return <Empty title="This model has no versions." />;
          const byVersion = aliasesByVersion(aliases);
          const current = picked ?? versions[0]!.version;
          return (
            <>
              <p data-testid="aliases">
                {aliases.length === 0 ? (
                  <span className="muted">no aliases</span>
                ) : (
                  aliases.map((a) => (
                    <span key={a.alias} className="badge" data-testid="alias-badge">
                      {a.alias} → v{a.version}
                    </span>
                  ))
                )}
              </p>
              <table className="grid" data-testid="versions-table">
                <thead>
                  <tr>
                    <th>Version</th>
                    <th>Aliases</th>
                    <th>Metrics</th>
                    <th>Run</th>
                    <th>Created</th>
                  </tr>
                </thead>
                <tbody>
                  {versions.map((mv: ModelVersion) => (
                    <tr
                      key={mv.version}
                      className={`clickable${mv.version === current ? ' selected' : ''}`}
                      onClick={() => navigate(`/models/${encodeURIComponent(name)}?version=${mv.version}`, true)}
                      data-testid="version-row"
                    >
                      <td>v{mv.version}</td>
                      <td>{(byVersion.get(mv.version) ?? []).join(', ')}</td>
                      <td>
                        {Object.entries(mv.metrics)
                          .slice(0, 4)
                          .map(([k, x]) => `${k} ${formatNumber(x)}`)
                          .join(' · ')}
                      </td>
                      <td>{mv.runId?.slice(-8) ?? '—'}</td>
                      <td>{formatTime(mv.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <VersionDetail name={name} version={current} aliases={aliases} onChanged={reload} />
            </>
          );
        }}
      </Show>
      <div className="card" data-testid="alias-history">
        <h2>History</h2>
        {history.error !== undefined ? (
          <ErrorBox error={history.error} retry={history.reload} />
        ) : !history.data ? null : history.data.length === 0 ? (
          <p className="muted">No alias has moved yet.</p>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>When</th>
                <th>Alias</th>
                <th>Move</th>
                <th>Who</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {history.data.map((h) => (
                <tr key={h.id} data-testid="history-row">
                  <td>{formatTime(h.at)}</td>
                  <td>{h.alias}</td>
                  <td>
                    {h.kind === 'rollback' ? 'rollback ' : ''}v{h.from ?? '—'} → v{h.to ?? '—'}
                    {h.forced ? ' (forced)' : ''}
                  </td>
                  <td>{h.actor}</td>
                  <td>{h.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
