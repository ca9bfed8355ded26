/** A point in the unit glyph box: x to the right, y down, both in [0, 1]. */
export type GlyphPoint = readonly [number, number];
/** One pen stroke: a polyline. */
export type GlyphStroke = readonly GlyphPoint[];

/** Points on an ellipse arc; angles in degrees, 0 = right, 90 = down (screen coordinates). */
function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number, steps = 14): GlyphPoint[] {
  const pts: GlyphPoint[] = [];
  for (let i = 0; i <= steps; i++) {
    const a = ((from + ((to - from) * i) / steps) * Math.PI) / 180;
    pts.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
  }
  return pts;
}

/** Points on a quadratic Bézier curve. */
function bezier(p0: GlyphPoint, c: GlyphPoint, p1: GlyphPoint, steps = 8): GlyphPoint[] {
  const pts: GlyphPoint[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    const u = 1 - t;
    pts.push([u * u * p0[0] + 2 * u * t * c[0] + t * t * p1[0], u * u * p0[1] + 2 * u * t * c[1] + t * t * p1[1]]);
  }
  return pts;
}

/**
 * The built-in stroke font: each digit 0–9 as one or more pen strokes, drawn in the middle of the box the way
 * MNIST's digits sit in the middle 20×20 of their 28×28 frame. Variants (index 1+) give the data some of the
 * handwriting variety a single template lacks (a 1 with and without a flag, a 7 with a bar, an open 4).
 */
export const DIGIT_GLYPHS: readonly (readonly GlyphStroke[])[][] = [
  // 0
  [[arc(0.5, 0.5, 0.21, 0.35, 0, 360, 28)], [arc(0.5, 0.5, 0.17, 0.35, -80, 290, 28)]],
  // 1
  [
    [
      [
        [0.4, 0.27],
        [0.52, 0.15],
        [0.52, 0.85],
      ],
    ],
    [
      [
        [0.5, 0.15],
        [0.5, 0.85],
      ],
    ],
  ],
  // 2
  [
    [[...arc(0.5, 0.34, 0.22, 0.2, 190, 400), [0.27, 0.85], [0.76, 0.85]]],
    [[...arc(0.5, 0.33, 0.2, 0.18, 180, 380), ...bezier([0.66, 0.47], [0.3, 0.7], [0.28, 0.84]), [0.74, 0.82]]],
  ],
  // 3
  [
    [[...arc(0.48, 0.33, 0.2, 0.17, 200, 450), ...arc(0.48, 0.67, 0.23, 0.18, 270, 520)]],
    [[[0.3, 0.15], [0.7, 0.15], [0.46, 0.45], ...arc(0.48, 0.66, 0.23, 0.2, 270, 520)]],
  ],
  // 4
  [
    [
      [
        [0.64, 0.85],
        [0.64, 0.15],
        [0.24, 0.62],
        [0.78, 0.62],
      ],
    ],
    [
      [
        [0.34, 0.15],
        [0.28, 0.55],
        [0.76, 0.55],
      ],
      [
        [0.64, 0.3],
        [0.64, 0.87],
      ],
    ],
  ],
  // 5
  [[[[0.72, 0.15], [0.36, 0.15], [0.33, 0.46], ...arc(0.5, 0.63, 0.22, 0.2, 235, 510)]]],
  // 6
  [[[...bezier([0.66, 0.15], [0.3, 0.28], [0.3, 0.65]), ...arc(0.5, 0.65, 0.2, 0.2, 180, 540, 24)]]],
  // 7
  [
    [
      [
        [0.26, 0.16],
        [0.74, 0.16],
        [0.44, 0.85],
      ],
    ],
    [
      [
        [0.26, 0.16],
        [0.74, 0.16],
        [0.46, 0.85],
      ],
      [
        [0.4, 0.5],
        [0.7, 0.5],
      ],
    ],
  ],
  // 8
  [[arc(0.5, 0.32, 0.17, 0.16, -90, 270, 20), arc(0.5, 0.66, 0.21, 0.19, -90, 270, 22)]],
  // 9
  [[[...arc(0.5, 0.35, 0.2, 0.19, 0, 360, 24), ...bezier([0.7, 0.35], [0.7, 0.6], [0.62, 0.85])]]],
];
