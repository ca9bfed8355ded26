import { useState, type ReactNode } from 'react';
import {
  diffLines,
  fetchDatasetDiff,
  fetchDatasetVersion,
  fetchDatasetVersions,
  fetchDatasets,
  profileViews,
  type Bar,
} from '../data/datasets-data.js';
import { formatBytes, formatNumber, formatTime } from '../data/format.js';
import { Empty, Show, useAsync } from '../components/state.js';
import { navigate } from '../router.js';

function Bars({ title, bars }: { title: string; bars: Bar[] }): ReactNode {
  const W = 260;
  const H = 90;
  const w = bars.length ? W / bars.length : W;
  return (
    <figure className="hist" data-testid="histogram">
      <svg width={W} height={H} role="img">
        {bars.map((b, i) => (
          <rect key={i} x={i * w + 0.5} y={H - b.height * (H - 4)} width={Math.max(1, w - 1)} height={b.height * (H - 4)} fill="#2563eb">
            <title>{`${typeof b.from === 'number' ? formatNumber(b.from) : b.from}${b.from !== b.to ? ` – ${typeof b.to === 'number' ? formatNumber(b.to) : b.to}` : ''}: ${b.count}`}</title>
          </rect>
        ))}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}

/** Dataset list. */
export function DatasetsPage(): ReactNode {
  const state = useAsync(fetchDatasets, []);
  return (
    <section data-testid="datasets-page">
      <h1>Datasets</h1>
      <Show state={state} what="datasets">
        {(ds) =>
          ds.length === 0 ? (
            <Empty title="No datasets yet." hint="Version one with `slipway data add data/ --name NAME`." />
          ) : (
            <table className="grid" data-testid="datasets-table">
              <thead>
                <tr>
                  <th>Dataset</th>
                  <th>Latest</th>
                  <th>Files</th>
                  <th>Size</th>
                  <th>Added</th>
                </tr>
              </thead>
              <tbody>
                {ds.map((d) => (
                  <tr key={d.name} data-testid="dataset-row">
                    <td>
                      <a
                        href={`/datasets/${encodeURIComponent(d.name)}`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(`/datasets/${encodeURIComponent(d.name)}`);
                        }}
                        data-testid="dataset-link"
                      >
                        {d.name}
                      </a>
                    </td>
                    <td>v{d.version}</td>
                    <td>{d.files}</td>
                    <td>{formatBytes(d.bytes)}</td>
                    <td>{formatTime(d.createdAt)}</td>
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

function Diff({ name, a, b }: { name: string; a: number; b: number }): ReactNode {
  const d = useAsync(() => fetchDatasetDiff(name, a, b), [name, a, b]);
  return (
    <Show state={d} what="diff">
      {(diff) => {
        const lines = diffLines(diff);
        return (
          <div data-testid="dataset-diff">
            <p className="muted">
              {diff.from} → {diff.to}: {diff.added.length} added, {diff.removed.length} removed, {diff.changed.length} changed,{' '}
              {diff.unchanged} unchanged
            </p>
            <ul className="diff">
              {lines.map((l) => (
                <li key={`${l.kind}:${l.path}`} className={`diff-${l.kind}`}>
                  {l.kind === 'added' ? '+' : l.kind === 'removed' ? '−' : '~'} {l.path} <span className="muted small">{l.detail}</span>
                </li>
              ))}
            </ul>
          </div>
        );
      }}
    </Show>
  );
}

/** One dataset: versions, a version's profile with histograms, and the diff between two versions. */
export function DatasetPage({ name, query }: { name: string; query: URLSearchParams }): ReactNode {
  const versions = useAsync(() => fetchDatasetVersions(name), [name]);
  const picked = Number(query.get('version')) || undefined;
  const [diffFrom, setDiffFrom] = useState<number | null>(null);
  return (
    <section data-testid="dataset-page">
      <h1>Dataset {name}</h1>
      <Show state={versions} what="versions">
        {(vs) => {
          const sorted = [...vs].sort((x, y) => y.version - x.version);
          const current = picked ?? sorted[0]?.version;
          if (current === undefined) return <Empty title="No versions." />;
          const other = diffFrom ?? sorted.find((v) => v.version !== current)?.version ?? null;
          return (
            <>
              <table className="grid" data-testid="dataset-versions">
                <thead>
                  <tr>
                    <th>Version</th>
                    <th>Files</th>
                    <th>Size</th>
                    <th>Message</th>
                    <th>Added</th>
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((v) => (
                    <tr
                      key={v.version}
                      className={`clickable${v.version === current ? ' selected' : ''}`}
                      onClick={() => navigate(`/datasets/${encodeURIComponent(name)}?version=${v.version}`, true)}
                      data-testid="dataset-version-row"
                    >
                      <td>v{v.version}</td>
                      <td>{v.files}</td>
                      <td>{formatBytes(v.bytes)}</td>
                      <td>{v.message ?? ''}</td>
                      <td>{formatTime(v.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Profile name={name} version={current} />
              {sorted.length > 1 && other !== null && (
                <div className="card">
                  <h2>
                    Diff v
                    <select value={other} onChange={(e) => setDiffFrom(Number(e.target.value))} data-testid="diff-from">
                      {sorted
                        .filter((v) => v.version !== current)
                        .map((v) => (
                          <option key={v.version} value={v.version}>
                            {v.version}
                          </option>
                        ))}
                    </select>{' '}
                    → v{current}
                  </h2>
                  <Diff name={name} a={other} b={current} />
                </div>
              )}
            </>
          );
        }}
      </Show>
    </section>
  );
}

function Profile({ name, version }: { name: string; version: number }): ReactNode {
  const v = useAsync(() => fetchDatasetVersion(name, version), [name, version]);
  return (
    <div className="card" data-testid="dataset-profile">
      <h2>
        Profile of {name}@{version}
      </h2>
      <Show state={v} what="profile">
        {(dv) => {
          const views = profileViews(dv.profile);
          if (views.length === 0) return <p className="muted">No profiled files (only CSV and IDX files are profiled).</p>;
          return (
            <>
              {views.map((f) => (
                <div key={f.path}>
                  <h3>
                    {f.path} <span className="muted small">{f.summary}</span>
                  </h3>
                  <div className="hists">
                    {f.charts.map((c) => (
                      <Bars key={c.title} title={c.title} bars={c.bars} />
                    ))}
                  </div>
                </div>
              ))}
            </>
          );
        }}
      </Show>
    </div>
  );
}
