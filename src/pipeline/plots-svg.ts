import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/index.js';
import type { Pipeline } from './load-pipeline.js';
import type { PlotSpec } from './stage-model.js';

/** One line of a chart. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A line chart to draw. */
export interface Chart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
}

/** Reads a plot file (JSON list of records, `{key: [records]}`, or CSV with a header) into series. */
export function readPlotFile(path: string, spec: Omit<PlotSpec, 'path'> = {}): Chart | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  let records: Record<string, unknown>[] = [];
  if (path.endsWith('.csv') || path.endsWith('.tsv')) {
    const sep = path.endsWith('.tsv') ? '\t' : ',';
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    const header = (lines[0] ?? '').split(sep).map((h) => h.trim());
    records = lines.slice(1).map((l) => Object.fromEntries(l.split(sep).map((v, i) => [header[i] ?? `c${i}`, Number(v)])));
  } else {
    try {
      const v = JSON.parse(text) as unknown;
      if (Array.isArray(v)) records = v as Record<string, unknown>[];
      else if (v && typeof v === 'object') records = (Object.values(v).find(Array.isArray) as Record<string, unknown>[] | undefined) ?? [];
    } catch {
      return undefined;
    }
  }
  if (records.length === 0) return undefined;
  const first = records[0]!;
  const x = spec.x ?? (['step', 'epoch', 'x'].find((k) => k in first) as string | undefined);
  const ys = spec.y ?? Object.keys(first).filter((k) => k !== x && typeof first[k] === 'number' && Number.isFinite(first[k]));
  const series = ys.map((y) => ({
    name: y,
    points: records.flatMap((r, i) => {
      const xv = x === undefined ? i : Number(r[x]);
      const yv = Number(r[y]);
      return Number.isFinite(xv) && Number.isFinite(yv) ? [[xv, yv] as const] : [];
    }),
  }));
  return {
    title: spec.title ?? path.split('/').pop()!,
    xLabel: spec.xLabel ?? x ?? 'index',
    yLabel: spec.yLabel ?? (ys.length === 1 ? ys[0]! : 'value'),
    series,
  };
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** Round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, n = 5): number[] {
  if (lo === hi) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const label = (v: number): string =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4)));

/** Renders a line chart as a standalone SVG: axes with ticks, axis labels, title and legend. */
export function lineChartSvg(chart: Chart, width = 640, height = 400): string {
  const m = { left: 64, right: 140, top: 40, bottom: 52 };
  const pts = chart.series.flatMap((s) => s.points);
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (!pts.length) [x0, x1, y0, y1] = [0, 1, 0, 1];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (x: number): number => Math.round((m.left + ((x - x0) / (x1 - x0)) * pw) * 10) / 10;
  const sy = (y: number): number => Math.round((m.top + ph - ((y - y0) / (y1 - y0)) * ph) * 10) / 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${m.left + pw / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(chart.title)}</text>`,
  ];
  for (const t of ticks(x0, x1)) {
    parts.push(`<line x1="${sx(t)}" y1="${m.top}" x2="${sx(t)}" y2="${m.top + ph}" stroke="#eee"/>`);
    parts.push(`<text x="${sx(t)}" y="${m.top + ph + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${m.left}" y1="${sy(t)}" x2="${m.left + pw}" y2="${sy(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.left - 6}" y="${sy(t) + 4}" text-anchor="end">${label(t)}</text>`);
  }
  parts.push(`<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}" stroke="black"/>`);
  parts.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}" stroke="black"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${height - 12}" text-anchor="middle">${esc(chart.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`);
  chart.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const d = s.points.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    if (s.points.length === 1) parts.push(`<circle cx="${sx(s.points[0]![0])}" cy="${sy(s.points[0]![1])}" r="3" fill="${color}"/>`);
    else parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${d}"><title>${esc(s.name)}</title></polyline>`);
    const ly = m.top + 10 + i * 18;
    parts.push(`<line x1="${m.left + pw + 12}" y1="${ly}" x2="${m.left + pw + 32}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${m.left + pw + 36}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Renders an HTML page embedding the charts. */
export function plotsHtml(charts: readonly { title: string; svg: string }[]): string {
  const body = charts.map((c) => `<section><h2>${esc(c.title)}</h2>\n${c.svg}\n</section>`).join('\n');
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>Slipway plots</title>\n<style>body{font-family:sans-serif;margin:2em}section{margin-bottom:2em}</style></head>\n<body><h1>Slipway plots</h1>\n${body || '<p>No plots: declare <code>plots:</code> files in slipway.yaml stages.</p>'}\n</body></html>\n`;
}

/** Renders every plot file of the pipeline (plus `extra` charts) to `<outDir>/*.svg` and `index.html`; returns the files. */
export function writePlots(root: string, pipeline: Pipeline, outDir: string, extra: readonly Chart[] = []): string[] {
  mkdirSync(outDir, { recursive: true });
  const charts: Chart[] = [];
  for (const s of pipeline.stages.values())
    for (const p of s.plots) {
      const c = readPlotFile(join(root, p.path), p);
      if (c) charts.push({ ...c, title: p.title ?? p.path });
    }
  charts.push(...extra);
  const files: string[] = [];
  const rendered = charts.map((c, i) => {
    const svg = lineChartSvg(c);
    const file = join(outDir, `${String(i + 1).padStart(2, '0')}-${c.title.replace(/[^A-Za-z0-9_.-]+/g, '_')}.svg`);
    writeFileAtomic(file, svg);
    files.push(file);
    return { title: c.title, svg };
  });
  const html = join(outDir, 'index.html');
  writeFileAtomic(html, plotsHtml(rendered));
  files.push(html);
  return files;
}
