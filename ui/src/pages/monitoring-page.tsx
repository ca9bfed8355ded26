import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, hasToken } from '../data/api.js';
import { formatNumber, formatTime } from '../data/format.js';
import {
  MONITOR_METRICS,
  fetchMonitoredModels,
  fetchSnapshot,
  monitorColumns,
  streamUrl,
  versionLabel,
  type MonitorMetric,
} from '../data/monitoring-data.js';
import type { MonitoringSnapshot } from '../data/types.js';
import { LineChart } from '../components/chart.js';
import { Empty, ErrorBox, Loading, Show, useAsync } from '../components/state.js';
import { navigate } from '../router.js';

const TITLES: Record<MonitorMetric, string> = {
  accuracy: 'accuracy',
  f1: 'F1 (macro)',
  latencyP95: 'latency p95 (ms)',
  throughput: 'throughput (logged req/s)',
};

/** Models with logged predictions. */
export function MonitoringPage(): ReactNode {
  const state = useAsync(fetchMonitoredModels, []);
  return (
    <section data-testid="monitoring-page">
      <h1>Monitoring</h1>
      <Show state={state} what="models">
        {(models) =>
          models.length === 0 ? (
            <Empty title="No predictions logged yet." hint="Serve a model with `slipway serve NAME`; its requests show up here live." />
          ) : (
            <ul data-testid="monitored-models">
              {models.map((m) => (
                <li key={m.model}>
                  <a
                    href={`/monitoring/${encodeURIComponent(m.model)}`}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(`/monitoring/${encodeURIComponent(m.model)}`);
                    }}
                    data-testid="monitor-link"
                  >
                    {m.model}
                  </a>{' '}
                  <span className="muted">
                    {m.requests} logged requests, last {formatTime(m.lastAt)}
                  </span>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

/** Live figures of one model, per version and role, updated by server-sent events without a reload. */
export function ModelMonitorPage({ model, query }: { model: string; query: URLSearchParams }): ReactNode {
  const window_ = query.get('window') ?? '15m';
  const [snap, setSnap] = useState<MonitoringSnapshot | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [live, setLive] = useState<'connecting' | 'live' | 'lost'>('connecting');
  const [updates, setUpdates] = useState(0);
  useEffect(() => {
    let closed = false;
    fetchSnapshot(model, window_).then(
      (s) => !closed && setSnap(s),
      (e: unknown) => !closed && setError(e),
    );
    // EventSource cannot send an Authorization header: with a token, poll the snapshot instead.
    if (hasToken()) {
      const timer = setInterval(() => {
        fetchSnapshot(model, window_).then(
          (s) => {
            if (closed) return;
            setSnap(s);
            setError(undefined);
            setLive('live');
            setUpdates((n) => n + 1);
          },
          (e: unknown) => {
            if (closed) return;
            setLive('lost');
            setError(e);
          },
        );
      }, 2000);
      return () => {
        closed = true;
        clearInterval(timer);
      };
    }
    const es = new EventSource(streamUrl(model, window_));
    es.addEventListener('open', () => setLive('live'));
    es.addEventListener('snapshot', (ev) => {
      setSnap(JSON.parse((ev as MessageEvent<string>).data) as MonitoringSnapshot);
      setError(undefined);
      setLive('live');
      setUpdates((n) => n + 1);
    });
    es.addEventListener('failure', (ev) => {
      const e = JSON.parse((ev as MessageEvent<string>).data) as { code: string; message: string };
      setError(new ApiError(e.code, e.message, 0));
    });
    // EventSource reconnects by itself; say so while the server is away.
    es.addEventListener('error', () => setLive('lost'));
    return () => {
      closed = true;
      es.close();
    };
  }, [model, window_]);
  const charts = useMemo(() => (snap ? MONITOR_METRICS.map((m) => ({ m, ...monitorColumns(snap, m) })) : []), [snap]);
  return (
    <section data-testid="model-monitor-page">
      <h1>
        Monitoring {model}{' '}
        <span className={`badge live-${live}`} data-testid="live-status" data-updates={updates}>
          {live === 'live' ? '● live' : live === 'lost' ? 'server unreachable, retrying…' : 'connecting…'}
        </span>
      </h1>
      <div className="toolbar">
        window{' '}
        {['5m', '15m', '1h', '24h'].map((w) => (
          <button
            key={w}
            type="button"
            className={w === window_ ? 'active' : ''}
            onClick={() => navigate(`/monitoring/${encodeURIComponent(model)}?window=${w}`, true)}
            data-testid={`window-${w}`}
          >
            {w}
          </button>
        ))}
      </div>
      {error !== undefined && <ErrorBox error={error} />}
      {!snap && error === undefined && <Loading what="monitoring" />}
      {snap && (
        <>
          <div className="cards" data-testid="monitor-summary">
            <div className="card">
              <h3>Traffic</h3>
              <p>
                {snap.report.requests} logged requests · {formatNumber(snap.report.requestRate)} req/s · errors{' '}
                {formatNumber(snap.report.errorRate * 100)}%
              </p>
              <p>
                latency p50 {formatNumber(snap.report.latencyMs.p50)} ms · p95 {formatNumber(snap.report.latencyMs.p95)} ms · p99{' '}
                {formatNumber(snap.report.latencyMs.p99)} ms
              </p>
            </div>
            <div className="card">
              <h3>Quality</h3>
              {snap.report.quality ? (
                <p>
                  accuracy {formatNumber(snap.report.quality.accuracy)} on {snap.report.quality.labelled} labelled
                </p>
              ) : (
                <p className="muted">no feedback in the window</p>
              )}
              <p>
                versions:{' '}
                {snap.series.versions.map((v) => (
                  <span key={String(v.version)} className="badge">
                    {versionLabel(v.version, snap.roles)}
                  </span>
                ))}
              </p>
            </div>
            <div className="card" data-testid="alerts">
              <h3>Alerts</h3>
              {snap.alerts.length === 0 ? (
                <p className="muted">no alert rules (monitoring.alerts in slipway.yaml)</p>
              ) : (
                <ul>
                  {snap.alerts.map((a) => (
                    <li key={a.name} className={a.fired ? 'fail' : ''}>
                      {a.fired ? '🔴' : '🟢'} {a.name}: {a.rule} (value {formatNumber(a.value)}){a.skipped ? ` — ${a.skipped}` : ''}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </div>
          {snap.series.versions.length === 0 ? (
            <Empty title="No requests in this window." hint="Pick a longer window, or send traffic to the model server." />
          ) : (
            <div className="charts">
              {charts.map((c) => (
                <LineChart
                  key={c.m}
                  data={c.data}
                  labels={c.labels}
                  title={TITLES[c.m]}
                  time
                  testId={`monitor-chart-${c.m}`}
                  height={200}
                />
              ))}
            </div>
          )}
          <div className="card" data-testid="drift">
            <h3>Drift ({snap.report.drift.status})</h3>
            {snap.report.drift.prediction && (
              <p>
                prediction: {snap.report.drift.prediction.status}, PSI {formatNumber(snap.report.drift.prediction.psi)}, p{' '}
                {formatNumber(snap.report.drift.prediction.pValue)}
              </p>
            )}
            {snap.report.drift.features && snap.report.drift.features.top.length > 0 ? (
              <table className="grid">
                <thead>
                  <tr>
                    <th>Feature</th>
                    <th>KS</th>
                    <th>p</th>
                    <th>PSI</th>
                    <th>Status</th>
                  </tr>
                </thead>
                <tbody>
                  {snap.report.drift.features.top.map((f) => (
                    <tr key={f.feature} data-testid="drift-row">
                      <td>{f.feature}</td>
                      <td>{formatNumber(f.ks)}</td>
                      <td>{formatNumber(f.pValue)}</td>
                      <td>{formatNumber(f.psi)}</td>
                      <td>{f.status}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted">no per-feature drift (inputs not logged as numeric vectors, or too few requests)</p>
            )}
          </div>
          <p className="muted small">updated {formatTime(snap.at)}</p>
        </>
      )}
    </section>
  );
}
