import type { SweepState } from './run-sweep.js';

const W = 760;
const H = 360;
const PAD = { l: 56, r: 24, t: 28, b: 48 };
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (n: number): string =>
  Math.abs(n) >= 1000 || (Math.abs(n) < 0.01 && n !== 0) ? n.toExponential(2) : String(+n.toPrecision(4));

/** Colour from red (worst) to green (best) for a 0..1 score. */
function colour(score: number): string {
  const h = Math.round(120 * Math.min(1, Math.max(0, score)));
  return `hsl(${h},70%,42%)`;
}

/** The optimisation history: each finished trial's metric by trial number, and the best so far as a step line. */
export function historySvg(state: Readonly<SweepState>): string {
  const maximize = state.config.metric.goal === 'maximize';
  const pts = state.trials
    .filter((t) => t.value !== undefined && t.status !== 'failed')
    .map((t) => ({ n: t.number, v: t.value!, pruned: t.status === 'pruned' }));
  const n = Math.max(1, ...state.trials.map((t) => t.number + 1));
  const vs = pts.map((p) => p.v);
  const lo = vs.length ? Math.min(...vs) : 0;
  const hi = vs.length ? Math.max(...vs) : 1;
  const span = hi - lo || 1;
  const x = (i: number): number => PAD.l + ((W - PAD.l - PAD.r) * (i + 0.5)) / n;
  const y = (v: number): number => H - PAD.b - ((H - PAD.t - PAD.b) * (v - lo)) / span;
  let best: number | undefined;
  const bestLine: string[] = [];
  for (const p of [...pts].sort((a, b) => a.n - b.n)) {
    if (p.pruned) continue;
    best = best === undefined ? p.v : maximize ? Math.max(best, p.v) : Math.min(best, p.v);
    bestLine.push(`${bestLine.length ? 'L' : 'M'}${x(p.n).toFixed(1)},${y(best).toFixed(1)}`);
  }
  const dots = pts
    .map(
      (p) =>
        `<circle cx="${x(p.n).toFixed(1)}" cy="${y(p.v).toFixed(1)}" r="4" fill="${p.pruned ? '#bbb' : '#2563eb'}"><title>trial ${p.n}: ${fmt(p.v)}${p.pruned ? ' (stopped early)' : ''}</title></circle>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${PAD.l}" y="18" font-size="14">${esc(state.name)}: ${esc(state.config.metric.name)} by trial (${maximize ? 'higher' : 'lower'} is better)</text>
<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" stroke="#333"/><line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${H - PAD.b}" stroke="#333"/>
<text x="${PAD.l - 6}" y="${y(hi) + 4}" text-anchor="end">${fmt(hi)}</text><text x="${PAD.l - 6}" y="${y(lo) + 4}" text-anchor="end">${fmt(lo)}</text>
<text x="${(W + PAD.l) / 2}" y="${H - 12}" text-anchor="middle">trial</text>
<path d="${bestLine.join('')}" fill="none" stroke="#16a34a" stroke-width="2"/>${dots}
</svg>
`;
}

/** Parallel coordinates: one axis per param and one for the metric, one line per finished trial coloured by its metric. */
export function parallelCoordinatesSvg(state: Readonly<SweepState>): string {
  const maximize = state.config.metric.goal === 'maximize';
  const trials = state.trials.filter((t) => t.value !== undefined && t.status === 'succeeded');
  const keys = Object.keys(state.config.parameters);
  const axes = [...keys, state.config.metric.name];
  const ax = (i: number): number => PAD.l + ((W - PAD.l - PAD.r) * i) / Math.max(1, axes.length - 1);
  const scales = axes.map((k, i) => {
    const vals = trials.map((t) => (i < keys.length ? t.params[k] : t.value));
    if (vals.every((v) => typeof v === 'number')) {
      const nums = vals as number[];
      const log = i < keys.length && (state.config.parameters[k] as { distribution?: string }).distribution === 'log_uniform_values';
      const tr = (v: number): number => (log ? Math.log(v) : v);
      const lo = Math.min(...nums.map(tr));
      const hi = Math.max(...nums.map(tr));
      return {
        pos: (v: unknown) => (hi > lo ? (tr(v as number) - lo) / (hi - lo) : 0.5),
        ticks: nums.length ? [Math.min(...nums), Math.max(...nums)] : [],
      };
    }
    const cats = [...new Set(vals.map(String))];
    return { pos: (v: unknown) => (cats.length > 1 ? cats.indexOf(String(v)) / (cats.length - 1) : 0.5), ticks: cats };
  });
  const vy = (p: number): number => H - PAD.b - (H - PAD.t - PAD.b) * p;
  const values = trials.map((t) => t.value!);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const lines = trials
    .map((t) => {
      const score = hi > lo ? (maximize ? (t.value! - lo) / (hi - lo) : (hi - t.value!) / (hi - lo)) : 1;
      const d = axes
        .map((k, i) => `${i ? 'L' : 'M'}${ax(i).toFixed(1)},${vy(scales[i]!.pos(i < keys.length ? t.params[k] : t.value)).toFixed(1)}`)
        .join('');
      return `<path d="${d}" fill="none" stroke="${colour(score)}" stroke-opacity="0.75" stroke-width="1.5"><title>trial ${t.number}: ${fmt(t.value!)}</title></path>`;
    })
    .join('');
  const axisSvg = axes
    .map((k, i) => {
      const s = scales[i]!;
      const ticks = s.ticks
        .map(
          (v) => `<text x="${ax(i) + 4}" y="${vy(s.pos(v)) + 4}" font-size="10">${esc(typeof v === 'number' ? fmt(v) : String(v))}</text>`,
        )
        .join('');
      return `<line x1="${ax(i)}" y1="${PAD.t}" x2="${ax(i)}" y2="${H - PAD.b}" stroke="#333"/><text x="${ax(i)}" y="${H - PAD.b + 18}" text-anchor="middle">${esc(k)}</text>${ticks}`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${PAD.l}" y="18" font-size="14">${esc(state.name)}: params → ${esc(state.config.metric.name)} (${trials.length} trials; green is best)</text>
${lines}${axisSvg}
</svg>
`;
}
