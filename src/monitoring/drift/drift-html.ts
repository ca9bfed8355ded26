import type { ColumnDistribution, ColumnDrift } from './column-drift.js';
import type { DataDriftReport } from './drift-engine.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Compact number: 4 significant digits, exponent for tiny values. */
function num(v: number | null): string {
  if (v === null) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 1e-4) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

const REF = '#4c78a8';
const CUR = '#f58518';

/** Reference and current shares side by side: a histogram (numeric) or bars per category, as inline SVG. */
function chart(d: ColumnDistribution): string {
  const W = 640;
  const H = 200;
  const pad = { l: 44, r: 8, t: 10, b: d.kind === 'bars' ? 70 : 28 };
  const n = d.reference.length;
  const max = Math.max(1e-12, ...d.reference, ...d.current);
  const bw = (W - pad.l - pad.r) / n;
  const y = (v: number): number => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const parts: string[] = [];
  for (let k = 0; k < n; k++) {
    const x0 = pad.l + k * bw;
    const half = Math.max(1, bw / 2 - 1);
    const r = d.reference[k]!;
    const c = d.current[k]!;
    parts.push(
      `<rect x="${(x0 + 0.5).toFixed(1)}" y="${y(r).toFixed(1)}" width="${half.toFixed(1)}" height="${(y(0) - y(r)).toFixed(1)}" fill="${REF}"><title>reference ${num(r)}</title></rect>`,
      `<rect x="${(x0 + half + 1).toFixed(1)}" y="${y(c).toFixed(1)}" width="${half.toFixed(1)}" height="${(y(0) - y(c)).toFixed(1)}" fill="${CUR}"><title>current ${num(c)}</title></rect>`,
    );
    if (d.kind === 'bars') {
      const lx = x0 + bw / 2;
      parts.push(
        `<text x="${lx.toFixed(1)}" y="${H - pad.b + 12}" transform="rotate(35 ${lx.toFixed(1)} ${H - pad.b + 12})" font-size="10">${esc(d.labels[k]!.slice(0, 18))}</text>`,
      );
    }
  }
  if (d.kind === 'histogram')
    for (const k of [0, Math.floor(n / 2), n])
      parts.push(`<text x="${(pad.l + k * bw).toFixed(1)}" y="${H - 10}" font-size="10" text-anchor="middle">${num(d.edges[k]!)}</text>`);
  parts.push(
    `<line x1="${pad.l}" y1="${y(0)}" x2="${W - pad.r}" y2="${y(0)}" stroke="#999"/>`,
    `<text x="${pad.l - 4}" y="${pad.t + 8}" font-size="10" text-anchor="end">${num(max)}</text>`,
    `<text x="${pad.l - 4}" y="${y(0)}" font-size="10" text-anchor="end">0</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img">${parts.join('')}</svg>`;
}

function row(c: ColumnDrift): string {
  return `<tr class="${c.drift ? 'drift' : ''}"><td><a href="#col-${esc(c.name)}">${esc(c.name)}</a>${c.role === 'target' ? ' (target)' : ''}</td><td>${c.type}</td><td>${esc(c.methodName)}</td><td>${num(c.statistic)}</td><td>${num(c.pValue ?? c.distance)}</td><td>${num(c.threshold)}</td><td>${c.drift ? 'Detected' : 'Not detected'}</td></tr>`;
}

/** One self-contained HTML page: the dataset verdict, a summary table, and each column's distributions, drifting first. */
export function driftHtml(r: DataDriftReport, title = 'Data drift report', sources?: { reference: string; current: string }): string {
  const verdict = r.datasetDrift
    ? `Dataset drift detected: ${r.numberOfDriftedColumns} of ${r.numberOfColumns} columns drift (share ${num(r.shareOfDriftedColumns)} ≥ ${r.driftShare}).`
    : `No dataset drift: ${r.numberOfDriftedColumns} of ${r.numberOfColumns} columns drift (share ${num(r.shareOfDriftedColumns)} < ${r.driftShare}).`;
  const sections = r.columns.map(
    (
      c,
    ) => `<section id="col-${esc(c.name)}"><h3>${esc(c.name)} <span class="${c.drift ? 'bad' : 'ok'}">${c.drift ? 'drift detected' : 'no drift'}</span></h3>
<p>${c.type}, ${esc(c.methodName)}: ${c.pValue !== null ? `p-value ${num(c.pValue)}` : `distance ${num(c.distance)}`} (threshold ${num(c.threshold)}); reference ${c.reference.rows} values (${c.reference.missing} missing), current ${c.current.rows} (${c.current.missing} missing).${c.note ? ` ${esc(c.note)}.` : ''}</p>
${chart(c.distribution)}</section>`,
  );
  const skipped =
    r.skipped.length === 0
      ? ''
      : `<h2>Not compared</h2><ul>${r.skipped.map((s) => `<li>${esc(s.name)}: ${esc(s.reason)}</li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:960px;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}
tr.drift td{background:#fdecea}.bad{color:#b3261e}.ok{color:#2e7d32}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}
section{margin:1.5rem 0}h3 span{font-size:.8em;font-weight:normal}
</style></head><body>
<h1>${esc(title)}</h1>
${sources ? `<p>Reference: ${esc(sources.reference)} (${r.reference.rows} rows). Current: ${esc(sources.current)} (${r.current.rows} rows).</p>` : ''}
<p class="${r.datasetDrift ? 'bad' : 'ok'}"><strong>${verdict}</strong></p>
<table><thead><tr><th>Column</th><th>Type</th><th>Method</th><th>Statistic</th><th>p-value / distance</th><th>Threshold</th><th>Drift</th></tr></thead>
<tbody>${r.columns.map(row).join('\n')}</tbody></table>
${skipped}
<h2>Distributions</h2><p class="legend"><span style="background:${REF}"></span>reference<span style="background:${CUR}"></span>current (shares of rows)</p>
${sections.join('\n')}
</body></html>
`;
}
