import { useMemo, useState, type ReactNode } from 'react';
import { api, fetchText } from '../data/api.js';
import { formatBytes, formatDuration, formatNumber, formatTime } from '../data/format.js';
import { artifactUrl, chartColumns, fetchHistory, fetchRun, parseCsvPreview, previewKind } from '../data/run-data.js';
import type { RunRecord } from '../data/types.js';
import { LineChart } from '../components/chart.js';
import { Empty, ErrorBox, Loading, Show, useAsync } from '../components/state.js';
import { navigate } from '../router.js';

function KeyValues({
  title,
  values,
  testId,
}: {
  title: string;
  values: Readonly<Record<string, string | number>>;
  testId: string;
}): ReactNode {
  const entries = Object.entries(values).sort((a, b) => a[0].localeCompare(b[0]));
  return (
    <div className="card" data-testid={testId}>
      <h3>{title}</h3>
      {entries.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <table className="kv">
          <tbody>
            {entries.map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td>{typeof v === 'number' ? formatNumber(v) : v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function MetricChart({
  runId,
  metric,
  x,
  smoothing,
  log,
}: {
  runId: string;
  metric: string;
  x: 'step' | 'time';
  smoothing: number;
  log: boolean;
}): ReactNode {
  const h = useAsync(() => fetchHistory(runId, metric, { x, maxPoints: 2000 }), [runId, metric, x]);
  const data = useMemo(() => (h.data ? chartColumns(h.data.points, { x, smoothing, log }) : null), [h.data, x, smoothing, log]);
  if (h.error !== undefined) return <ErrorBox error={h.error} retry={h.reload} />;
  if (!data || !h.data) return <Loading what={metric} />;
  if (h.data.points.length === 0) return <Empty title={`${metric}: no points`} />;
  return (
    <div>
      <LineChart
        data={data as [number[], (number | null)[]]}
        labels={[metric]}
        title={metric}
        log={log}
        time={x === 'time'}
        testId={`metric-chart-${metric}`}
      />
      {h.data.downsampled && (
        <p className="muted small">
          {h.data.points.length.toLocaleString('en-US')} of {h.data.total.toLocaleString('en-US')} points (LTTB)
        </p>
      )}
    </div>
  );
}

function Preview({ runId, path }: { runId: string; path: string }): ReactNode {
  const kind = previewKind(path);
  const url = artifactUrl(runId, path);
  const text = useAsync(async () => {
    if (kind !== 'csv' && kind !== 'json' && kind !== 'text') return '';
    return (await fetchText(url)).slice(0, 200_000);
  }, [url, kind]);
  if (kind === 'image') return <img className="preview-img" src={url} alt={path} data-testid="artifact-preview" />;
  if (kind === 'svg') return <img className="preview-img" src={url} alt={path} data-testid="artifact-preview" />;
  if (kind === 'none')
    return (
      <p data-testid="artifact-preview" className="muted">
        No preview for this file type.{' '}
        <a href={url} download>
          Download
        </a>
      </p>
    );
  return (
    <Show state={text} what={path}>
      {(t) => {
        if (kind === 'csv') {
          const rows = parseCsvPreview(t, 50, path.endsWith('.tsv') ? '\t' : ',');
          return (
            <table className="grid" data-testid="artifact-preview">
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i}>{r.map((c, j) => (i === 0 ? <th key={j}>{c}</th> : <td key={j}>{c}</td>))}</tr>
                ))}
              </tbody>
            </table>
          );
        }
        let shown = t;
        if (kind === 'json')
          try {
            shown = JSON.stringify(JSON.parse(t), null, 2);
          } catch {
            // not valid JSON: show as text
          }
        return (
          <pre className="preview-text" data-testid="artifact-preview">
            {shown}
          </pre>
        );
      }}
    </Show>
  );
}

function Artifacts({ run }: { run: RunRecord }): ReactNode {
  const [open, setOpen] = useState<string | null>(null);
  const files = run.artifacts.filter((a) => a.kind === 'file');
  const trees = useAsync(
    async () =>
      Promise.all(
        run.artifacts
          .filter((a) => a.kind === 'tree')
          .map(async (a) => {
            const t = await api<{ entries: { path: string; size: number }[] }>(artifactUrl(run.id, a.path));
            return t.entries.map((e) => ({ path: `${a.path}/${e.path}`, size: e.size }));
          }),
      ).then((x) => x.flat()),
    [run.id],
  );
  const all = [...files.map((f) => ({ path: f.path, size: f.size })), ...(trees.data ?? [])].sort((a, b) => a.path.localeCompare(b.path));
  return (
    <div className="card" data-testid="artifacts">
      <h3>Artifacts</h3>
      {trees.error !== undefined && <ErrorBox error={trees.error} />}
      {all.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <div className="artifacts">
          <ul className="file-list">
            {all.map((f) => (
              <li key={f.path}>
                <button
                  type="button"
                  className={`link${open === f.path ? ' active' : ''}`}
                  onClick={() => setOpen(f.path)}
                  data-testid="artifact-item"
                >
                  {f.path}
                </button>{' '}
                <span className="muted small">{formatBytes(f.size)}</span>
              </li>
            ))}
          </ul>
          <div className="preview">
            {open ? <Preview runId={run.id} path={open} /> : <p className="muted">Pick a file to preview it.</p>}
          </div>
        </div>
      )}
    </div>
  );
}

/** Most charts drawn at once: a run with thousands of metric keys shows the first ones and a filter, not thousands of canvases. */
const MAX_CHARTS = 24;

function MetricCharts({ run, x, smoothing, log }: { run: RunRecord; x: 'step' | 'time'; smoothing: number; log: boolean }): ReactNode {
  const [filter, setFilter] = useState('');
  const keys = useMemo(() => Object.keys(run.metrics).sort(), [run.metrics]);
  const matching = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? keys.filter((k) => k.toLowerCase().includes(f)) : keys;
  }, [keys, filter]);
  return (
    <>
      {keys.length > MAX_CHARTS / 2 && (
        <p className="toolbar">
          <input placeholder="filter metrics" value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="metric-filter" />
          <span className="muted" data-testid="metric-count">
            {matching.length > MAX_CHARTS
              ? `first ${MAX_CHARTS} of ${matching.length} metrics`
              : `${matching.length} of ${keys.length} metrics`}
          </span>
        </p>
      )}
      <div className="charts">
        {matching.slice(0, MAX_CHARTS).map((m) => (
          <MetricChart key={m} runId={run.id} metric={m} x={x} smoothing={smoothing} log={log} />
        ))}
      </div>
    </>
  );
}

/** One run: attributes, params, tags, code and data versions, metric charts, artifacts. */
export function RunPage({ id }: { id: string }): ReactNode {
  const state = useAsync(() => fetchRun(id), [id]);
  const [x, setX] = useState<'step' | 'time'>('step');
  const [smoothing, setSmoothing] = useState(0);
  const [log, setLog] = useState(false);
  return (
    <section data-testid="run-page">
      <Show state={state} what="run">
        {(run) => (
          <>
            <h1>
              Run {run.name ?? run.id} <span className={`badge status-${run.status.toLowerCase()}`}>{run.status}</span>
            </h1>
            <p className="muted" data-testid="run-summary">
              {run.id} · experiment <b>{run.experiment}</b> · {run.kind} · started {formatTime(run.startTime)} · duration{' '}
              {formatDuration((run.endTime ?? Date.now()) - run.startTime)}
            </p>
            <div className="cards">
              <KeyValues title="Params" values={run.params} testId="run-params" />
              <KeyValues title="Metrics (latest)" values={run.metrics} testId="run-metrics" />
              <KeyValues title="Tags" values={run.tags} testId="run-tags" />
              <div className="card" data-testid="run-versions">
                <h3>Code and data</h3>
                <p>
                  commit <code>{run.code.commit ?? 'none'}</code>
                  {run.code.dirty && <span className="badge warn">dirty</span>}
                </p>
                {run.inputs.length === 0 ? (
                  <p className="muted">no dataset inputs</p>
                ) : (
                  <ul>
                    {run.inputs.map((i) => (
                      <li key={`${i.dataset}@${i.version}`}>
                        <a
                          href={`/datasets/${encodeURIComponent(i.dataset)}`}
                          onClick={(e) => {
                            e.preventDefault();
                            navigate(`/datasets/${encodeURIComponent(i.dataset)}`);
                          }}
                        >
                          {i.dataset}@{i.version}
                        </a>{' '}
                        <code className="small">{i.treeHash.slice(0, 12)}</code>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            </div>
            <h2>Metrics</h2>
            <div className="toolbar" data-testid="chart-controls">
              <label>
                x{' '}
                <select value={x} onChange={(e) => setX(e.target.value as 'step' | 'time')} data-testid="chart-x">
                  <option value="step">step</option>
                  <option value="time">time</option>
                </select>
              </label>
              <label>
                smoothing{' '}
                <input
                  type="range"
                  min={0}
                  max={0.99}
                  step={0.01}
                  value={smoothing}
                  onChange={(e) => setSmoothing(Number(e.target.value))}
                  data-testid="chart-smoothing"
                />{' '}
                {smoothing.toFixed(2)}
              </label>
              <label>
                <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} data-testid="chart-log" /> log scale
              </label>
            </div>
            {Object.keys(run.metrics).length === 0 ? (
              <Empty title="No metrics logged." testId="no-metrics" />
            ) : (
              <MetricCharts run={run} x={x} smoothing={smoothing} log={log} />
            )}
            <Artifacts run={run} />
          </>
        )}
      </Show>
    </section>
  );
}
