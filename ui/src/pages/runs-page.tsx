import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { formatNumber, formatTime } from '../data/format.js';
import {
  RunsWindow,
  cellValue,
  fetchExperiments,
  fetchRunKeys,
  nextSort,
  runColumns,
  visibleRange,
  type RunColumn,
} from '../data/runs-data.js';
import type { RunKeys } from '../data/types.js';
import { navigate } from '../router.js';
import { Empty, ErrorBox, Loading } from '../components/state.js';

const ROW_H = 28;
const VIEW_H = 560;

function cellText(v: string | number | null, col: RunColumn): string {
  if (v === null) return '—';
  if (col.key === 'start_time' && col.scope === 'attributes') return formatTime(Number(v));
  return typeof v === 'number' ? formatNumber(v) : v;
}

/** The runs table: server-side filter (`where`), sort and paging; only the rows on screen are rendered. */
export function RunsPage({ query }: { query: URLSearchParams }): ReactNode {
  const experiment = query.get('experiment') ?? undefined;
  const where = query.get('where') ?? undefined;
  const orderBy = query.get('order_by') ?? undefined;
  const [draft, setDraft] = useState(where ?? '');
  const [keys, setKeys] = useState<RunKeys | null>(null);
  const [experiments, setExperiments] = useState<{ name: string; runs: number }[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [scrollTop, setScrollTop] = useState(0);
  const [, setVersion] = useState(0);
  const win = useMemo(() => new RunsWindow({ experiment, where, orderBy }), [experiment, where, orderBy]);
  const bodyRef = useRef<HTMLDivElement>(null);

  const setParam = useCallback(
    (k: string, v: string | undefined) => {
      const q = new URLSearchParams(query);
      if (v) q.set(k, v);
      else q.delete(k);
      const s = q.toString();
      navigate(`/runs${s ? `?${s}` : ''}`, true);
    },
    [query],
  );

  useEffect(() => {
    setDraft(where ?? '');
  }, [where]);

  useEffect(() => {
    let live = true;
    fetchExperiments().then(
      (x) => live && setExperiments(x),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    let live = true;
    fetchRunKeys(experiment).then(
      (k) => live && setKeys(k),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [experiment]);

  const total = win.total;
  const range = visibleRange(scrollTop, VIEW_H, ROW_H, total ?? 50);
  useEffect(() => {
    let live = true;
    setError(undefined);
    win.ensure(range.from, range.to).then(
      () => live && setVersion((v) => v + 1),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [win, range.from, range.to]);

  useEffect(() => {
    bodyRef.current?.scrollTo({ top: 0 });
    setScrollTop(0);
  }, [win]);

  const columns = useMemo(() => (keys ? runColumns(keys) : []), [keys]);
  const template = `36px ${columns.map((c) => (c.scope === 'attributes' ? (c.key === 'name' ? '220px' : '150px') : '110px')).join(' ')}`;

  const toggle = (id: string): void =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  const rows: ReactNode[] = [];
  if (total !== null && keys)
    for (let i = range.from; i < range.to; i++) {
      const run = win.row(i);
      rows.push(
        <div
          key={i}
          className={`row${run && selected.has(run.id) ? ' selected' : ''}`}
          style={{ top: i * ROW_H, gridTemplateColumns: template }}
          data-testid={run ? 'run-row' : 'run-row-loading'}
          data-run-id={run?.id}
        >
          <span>
            {run && (
              <input
                type="checkbox"
                aria-label={`select ${run.id}`}
                checked={selected.has(run.id)}
                onChange={() => toggle(run.id)}
                data-testid="run-select"
              />
            )}
          </span>
          {columns.map((c) => {
            const v = run ? cellValue(run, c) : null;
            return (
              <span key={c.id} className={c.scope === 'metrics' ? 'num' : undefined} title={run ? String(v ?? '') : ''}>
                {!run ? (
                  '…'
                ) : c.key === 'name' && c.scope === 'attributes' ? (
                  <a
                    href={`/runs/${run.id}`}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(`/runs/${run.id}`);
                    }}
                    data-testid="run-link"
                  >
                    {cellText(v, c)}
                  </a>
                ) : c.key === 'status' && c.scope === 'attributes' ? (
                  <span className={`badge status-${String(v).toLowerCase()}`}>{String(v)}</span>
                ) : (
                  cellText(v, c)
                )}
              </span>
            );
          })}
        </div>,
      );
    }

  return (
    <section data-testid="runs-page">
      <h1>Runs</h1>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setParam('where', draft.trim() || undefined);
        }}
      >
        <input
          data-testid="runs-filter"
          className="filter"
          placeholder="metrics.accuracy > 0.9 and params.lr = 0.01 and status = 'FINISHED'"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit" data-testid="runs-filter-apply">
          Filter
        </button>
        <select
          data-testid="runs-experiment"
          value={experiment ?? ''}
          onChange={(e) => setParam('experiment', e.target.value || undefined)}
        >
          <option value="">all experiments</option>
          {(experiments ?? []).map((x) => (
            <option key={x.name} value={x.name}>
              {x.name} ({x.runs})
            </option>
          ))}
        </select>
        <button
          type="button"
          data-testid="compare-selected"
          disabled={selected.size < 2}
          onClick={() => navigate(`/compare?runs=${[...selected].join(',')}`)}
        >
          Compare {selected.size > 0 ? `(${selected.size})` : ''}
        </button>
        <span data-testid="runs-count" className="muted">
          {total === null ? '' : `${total.toLocaleString('en-US')} run${total === 1 ? '' : 's'}`}
        </span>
      </form>
      {error !== undefined && <ErrorBox error={error} retry={() => setVersion((v) => v + 1)} />}
      {error === undefined && total === null && <Loading what="runs" />}
      {error === undefined && total === 0 && (
        <Empty
          title={where || experiment ? 'No run matches this filter.' : 'No runs yet.'}
          hint={
            where || experiment
              ? 'Change or clear the filter.'
              : 'Log one with `slipway train`, `slipway repro`, or startRun() from the SDK.'
          }
        />
      )}
      {total !== null && total > 0 && keys && (
        <div className="table" data-testid="runs-table">
          <div className="row header" style={{ gridTemplateColumns: template }}>
            <span />
            {columns.map((c) => {
              const dir = orderBy === `${c.sortKey} asc` ? ' ▲' : orderBy === `${c.sortKey} desc` ? ' ▼' : '';
              return (
                <button
                  key={c.id}
                  type="button"
                  className={`th th-${c.scope}`}
                  data-testid={`sort-${c.id}`}
                  onClick={() => setParam('order_by', nextSort(orderBy, c))}
                  title={c.sortKey}
                >
                  {c.label}
                  {dir}
                </button>
              );
            })}
          </div>
          <div
            className="body"
            ref={bodyRef}
            style={{ height: VIEW_H }}
            onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
            data-testid="runs-scroll"
          >
            <div style={{ height: total * ROW_H, position: 'relative' }}>{rows}</div>
          </div>
        </div>
      )}
    </section>
  );
}
