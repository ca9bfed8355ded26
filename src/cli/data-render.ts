import type { DatasetDiff, DatasetVersion, StatDelta } from '../data/index.js';
import { formatBytes, formatNumber, style, table } from './output.js';

/** A time as `YYYY-MM-DD HH:MM:SS` (UTC). */
export const formatTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

/** `data show`: a dataset version, its history and per-file profile (CSV columns with histograms, IDX stats). */
export function renderDatasetVersion(v: DatasetVersion, history: DatasetVersion[]): string {
  const out = [
    `${style.bold(`${v.name}@${v.version}`)}  ${v.message ?? ''}`.trimEnd(),
    `tree     ${v.treeHash}`,
    `files    ${v.files}`,
    `bytes    ${v.bytes} (${formatBytes(v.bytes)})`,
    `created  ${formatTime(v.createdAt)}`,
    `versions ${history.map((h) => h.version).join(', ')}`,
  ];
  for (const [path, p] of Object.entries(v.profile?.files ?? {})) {
    out.push('', style.bold(path));
    if (p.kind === 'csv') {
      out.push(`rows ${p.rows}, columns ${p.columns.length}${p.classNames ? `, classes ${p.classNames.join(', ')}` : ''}`);
      out.push(
        table(
          ['column', 'type', 'min', 'max', 'mean', 'std', 'missing', 'distinct', 'histogram'],
          p.columns.map((c) => [
            c.name,
            c.type,
            c.min,
            c.max,
            c.mean,
            c.std,
            c.missing,
            c.distinct,
            c.histogram
              ? sparkline(c.histogram.counts)
              : (c.top ?? [])
                  .slice(0, 3)
                  .map((t) => `${t.value}:${t.count}`)
                  .join(' '),
          ]),
        ),
      );
    } else {
      out.push(`idx ${p.dtype} [${p.shape.join(', ')}]  min ${p.min}  max ${p.max}  mean ${formatNumber(p.mean)}`);
      if (p.labelHistogram)
        out.push(
          `labels ${Object.entries(p.labelHistogram)
            .map(([k, n]) => `${k}:${n}`)
            .join('  ')}`,
        );
    }
  }
  if (v.profile?.skipped) out.push('', style.dim(`${v.profile.skipped} data file(s) not profiled (limits)`));
  return out.join('\n');
}

function sparkline(counts: readonly number[]): string {
  const bars = '▁▂▃▄▅▆▇█';
  const max = Math.max(...counts, 1);
  return counts.map((c) => (c === 0 ? ' ' : bars[Math.min(7, Math.floor((c / max) * 7.999))])).join('');
}

const fmtDelta = (d: StatDelta): string =>
  d.delta === null
    ? `${d.from ?? '–'} → ${d.to ?? '–'}`
    : d.delta === 0
      ? formatNumber(d.to ?? 0)
      : `${formatNumber(d.from!)} → ${formatNumber(d.to!)} (${d.delta > 0 ? '+' : ''}${formatNumber(d.delta)})`;

/** `data diff`: files added, removed and changed, and the profile deltas that moved. */
export function renderDatasetDiff(d: DatasetDiff): string {
  const out = [
    `${style.bold(d.from)} → ${style.bold(d.to)}`,
    `files ${fmtDelta(d.files)}   bytes ${fmtDelta(d.bytes)}   unchanged ${d.unchanged}`,
  ];
  for (const a of d.added) out.push(style.green(`+ ${a.path} (${formatBytes(a.size)})`));
  for (const r of d.removed) out.push(style.red(`- ${r.path} (${formatBytes(r.size)})`));
  for (const c of d.changed) out.push(style.yellow(`~ ${c.path} (${formatBytes(c.sizeFrom)} → ${formatBytes(c.sizeTo)})`));
  for (const p of d.profiles) {
    out.push('', style.bold(`profile ${p.path}`));
    if (p.rows) out.push(`rows ${fmtDelta(p.rows)}`);
    if (p.columnsAdded?.length) out.push(`columns added: ${p.columnsAdded.join(', ')}`);
    if (p.columnsRemoved?.length) out.push(`columns removed: ${p.columnsRemoved.join(', ')}`);
    const moved = (p.columns ?? []).filter(
      (c) => [c.mean, c.std, c.missing, c.min, c.max].some((s) => s.delta !== 0) || c.typeFrom !== c.typeTo,
    );
    if (moved.length)
      out.push(
        table(
          ['column', 'mean', 'std', 'min', 'max', 'missing'],
          moved.map((c) => [c.name, fmtDelta(c.mean), fmtDelta(c.std), fmtDelta(c.min), fmtDelta(c.max), fmtDelta(c.missing)]),
        ),
      );
    if (p.shapeFrom) out.push(`shape [${p.shapeFrom.join(', ')}] → [${p.shapeTo?.join(', ')}]`);
    if (p.labels)
      out.push(
        `labels ${
          Object.entries(p.labels)
            .filter(([, s]) => s.delta !== 0)
            .map(([k, s]) => `${k}: ${fmtDelta(s)}`)
            .join('  ') || 'unchanged'
        }`,
      );
  }
  return out.join('\n');
}
