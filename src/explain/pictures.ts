import { encodePng } from './png.js';

/**
 * A saliency overlay: the image in grey, each pixel tinted red where it pushed the prediction up and blue where it
 * pushed it down (opacity ∝ |attribution| over the largest), scaled up `scale`× so a 28×28 digit is readable.
 */
export function saliencyPng(image: ArrayLike<number>, attributions: ArrayLike<number>, width: number, height: number, scale = 8): Buffer {
  let max = 0;
  let top = 0;
  for (let i = 0; i < width * height; i++) {
    max = Math.max(max, Math.abs(attributions[i]!));
    top = Math.max(top, image[i]!);
  }
  const W = width * scale;
  const H = height * scale;
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = Math.floor(y / scale) * width + Math.floor(x / scale);
      const grey = 40 + 120 * (top > 0 ? image[i]! / top : 0);
      const a = max > 0 ? attributions[i]! / max : 0;
      const alpha = Math.min(1, Math.abs(a) * 1.5);
      const [r, g, b] = a >= 0 ? [230, 40, 30] : [30, 90, 230];
      const o = (y * W + x) * 3;
      rgb[o] = Math.round(grey * (1 - alpha) + r * alpha);
      rgb[o + 1] = Math.round(grey * (1 - alpha) + g * alpha);
      rgb[o + 2] = Math.round(grey * (1 - alpha) + b * alpha);
    }
  }
  return encodePng(W, H, rgb);
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One bar of the tabular chart. */
export interface FeatureAttribution {
  readonly name: string;
  readonly value: number;
  readonly attribution: number;
}

/** A horizontal bar chart of the `top` largest attributions (red: towards the explained class; blue: away), as SVG. */
export function attributionSvg(features: readonly FeatureAttribution[], title: string, top = 15): string {
  const rows = [...features].sort((a, b) => Math.abs(b.attribution) - Math.abs(a.attribution)).slice(0, top);
  const max = Math.max(1e-12, ...rows.map((r) => Math.abs(r.attribution)));
  const W = 760;
  const label = 300;
  const mid = label + (W - label - 20) / 2;
  const half = (W - label - 20) / 2 - 50;
  const rowH = 22;
  const H = 40 + rows.length * rowH + 10;
  const parts = [
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${mid}" y1="30" x2="${mid}" y2="${H - 10}" stroke="#888"/>`,
  ];
  rows.forEach((r, k) => {
    const y = 36 + k * rowH;
    const w = (Math.abs(r.attribution) / max) * half;
    const x = r.attribution >= 0 ? mid : mid - w;
    const v = Number(r.value.toPrecision(4));
    const a = Number(r.attribution.toPrecision(3));
    parts.push(
      `<text x="${label - 8}" y="${y + 14}" font-size="12" text-anchor="end">${esc(r.name)} = ${v}</text>`,
      `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${Math.max(1, w).toFixed(1)}" height="${rowH - 6}" fill="${r.attribution >= 0 ? '#d62728' : '#1f77b4'}"><title>${esc(r.name)}: ${a}</title></rect>`,
      `<text x="${(r.attribution >= 0 ? x + w + 4 : x - 4).toFixed(1)}" y="${y + 14}" font-size="11" text-anchor="${r.attribution >= 0 ? 'start' : 'end'}">${a}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${parts.join('')}</svg>\n`;
}
