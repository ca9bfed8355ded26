import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SlipwayError } from '../../errors/index.js';
import { writeFileAtomic } from '../../store/index.js';
import { encodeIdx } from '../index.js';
import { DIGIT_GLYPHS, type GlyphPoint } from './digit-glyphs.js';
import type { ImageSplit } from './mnist.js';

/** Options of `generateDigits`. */
export interface GenerateDigitsOptions {
  count: number;
  seed: number;
  /** Image side in pixels (default 28, MNIST's). */
  size?: number;
}

/** Generated digits: an `ImageSplit` (floats in [0, 1], NHWC) plus the same pixels as bytes (for IDX files). */
export interface DigitsData extends ImageSplit {
  pixels: Uint8Array;
}

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same data set on every machine. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Renders `count` handwritten-looking digits 0–9 from the built-in stroke font, each with a random affine jitter
 * (rotation ±15°, scale, shear, translation), stroke width, wobble of the pen path, blur and noise. Labels are
 * balanced (counts differ by at most one) and shuffled; the output is a pure function of (count, seed, size).
 * This is the demo's offline stand-in for MNIST, not a replacement for it.
 */
export function generateDigits(opts: GenerateDigitsOptions): DigitsData {
  const { count, seed } = opts;
  const size = opts.size ?? 28;
  if (!Number.isInteger(count) || count < 1) throw new SlipwayError('USAGE', `count must be a positive integer, got ${count}`);
  if (!Number.isInteger(size) || size < 8 || size > 256) throw new SlipwayError('USAGE', `size must be an integer in 8..256, got ${size}`);
  const rand = mulberry32(seed ^ 0x5eed1e55);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = i % 10;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = labels[i]!;
    labels[i] = labels[j]!;
    labels[j] = t;
  }
  const pixels = new Uint8Array(count * size * size);
  const canvas = new Float32Array(size * size);
  const tmp = new Float32Array(size * size);
  for (let n = 0; n < count; n++) {
    renderDigit(labels[n]!, size, rand, canvas, tmp);
    const base = n * size * size;
    for (let i = 0; i < canvas.length; i++) pixels[base + i] = Math.round(Math.min(1, Math.max(0, canvas[i]!)) * 255);
  }
  const images = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) images[i] = pixels[i]! / 255;
  return { images, labels, count, imageShape: [size, size, 1], pixels };
}

/** Draws one digit into `canvas` (size × size, values in [0, 1]). */
function renderDigit(digit: number, size: number, rand: () => number, canvas: Float32Array, tmp: Float32Array): void {
  const variants = DIGIT_GLYPHS[digit]!;
  const glyph = variants[Math.floor(rand() * variants.length)]!;
  const between = (a: number, b: number): number => a + (b - a) * rand();
  const angle = (between(-15, 15) * Math.PI) / 180;
  const sx = between(0.8, 1.1);
  const sy = sx * between(0.9, 1.1);
  const shear = between(-0.2, 0.2);
  const tx = between(-0.07, 0.07);
  const ty = between(-0.06, 0.06);
  const width = between(1.4, 3.0) * (size / 28);
  const wobble = 0.025;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // Smooth pen-path wobble: a random low-frequency displacement field, the same for all strokes of the glyph.
  const wx = [between(-wobble, wobble), between(-wobble, wobble), between(0, Math.PI * 2)] as const;
  const wy = [between(-wobble, wobble), between(-wobble, wobble), between(0, Math.PI * 2)] as const;
  const toPixel = ([x0, y0]: GlyphPoint): [number, number] => {
    const x1 = x0 + wx[0] * Math.sin(6 * y0 + wx[2]) + wx[1] * Math.cos(4 * x0);
    const y1 = y0 + wy[0] * Math.sin(6 * x0 + wy[2]) + wy[1] * Math.cos(4 * y0);
    const u = (x1 - 0.5) * sx + shear * (y1 - 0.5);
    const v = (y1 - 0.5) * sy;
    return [(cos * u - sin * v + 0.5 + tx) * size, (sin * u + cos * v + 0.5 + ty) * size];
  };
  canvas.fill(0);
  const half = width / 2;
  for (const stroke of glyph) {
    const pts = stroke.map(toPixel);
    for (let s = 0; s + 1 < pts.length; s++) drawSegment(canvas, size, pts[s]!, pts[s + 1]!, half);
  }
  blur(canvas, tmp, size, between(0.3, 0.9));
  // Sensor-style noise: faint everywhere, plus a few specks.
  const noise = between(0, 0.08);
  for (let i = 0; i < canvas.length; i++) {
    const g = (rand() + rand() + rand() - 1.5) * noise;
    canvas[i] = canvas[i]! + g + (rand() < 0.004 ? between(0.3, 0.8) : 0);
  }
}

/** Anti-aliased thick line: intensity falls from 1 to 0 over the last pixel of the pen's radius. */
function drawSegment(canvas: Float32Array, size: number, a: [number, number], b: [number, number], half: number): void {
  const x0 = Math.max(0, Math.floor(Math.min(a[0], b[0]) - half - 1));
  const x1 = Math.min(size - 1, Math.ceil(Math.max(a[0], b[0]) + half + 1));
  const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - half - 1));
  const y1 = Math.min(size - 1, Math.ceil(Math.max(a[1], b[1]) + half + 1));
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy || 1e-12;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5 - a[0];
      const py = y + 0.5 - a[1];
      const t = Math.min(1, Math.max(0, (px * dx + py * dy) / len2));
      const ex = px - t * dx;
      const ey = py - t * dy;
      const ink = Math.min(1, Math.max(0, half + 0.5 - Math.sqrt(ex * ex + ey * ey)));
      const i = y * size + x;
      if (ink > canvas[i]!) canvas[i] = ink;
    }
  }
}

/** Separable 3-tap Gaussian blur with the given sigma (in pixels), in place. */
function blur(canvas: Float32Array, tmp: Float32Array, size: number, sigma: number): void {
  const k1 = Math.exp(-1 / (2 * sigma * sigma));
  const k0 = 1 / (1 + 2 * k1);
  const kk = k1 * k0;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      tmp[i] = k0 * canvas[i]! + kk * ((x > 0 ? canvas[i - 1]! : 0) + (x < size - 1 ? canvas[i + 1]! : 0));
    }
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      canvas[i] = k0 * tmp[i]! + kk * ((y > 0 ? tmp[i - size]! : 0) + (y < size - 1 ? tmp[i + size]! : 0));
    }
}

/** Options of `writeDigitsIdx`. */
export interface WriteDigitsOptions {
  trainCount: number;
  testCount: number;
  seed: number;
  size?: number;
}

/**
 * Writes a generated data set as MNIST-style raw IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte) so every MNIST reader (`loadMnist({ dir })`, `--data DIR`)
 * takes it unchanged. Train and test come from different random streams of the seed. Returns the file paths.
 */
export function writeDigitsIdx(dir: string, opts: WriteDigitsOptions): string[] {
  const size = opts.size ?? 28;
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const splits = [
    { prefix: 'train', count: opts.trainCount, seed: opts.seed },
    { prefix: 't10k', count: opts.testCount, seed: (opts.seed * 7919 + 104729) >>> 0 },
  ];
  for (const s of splits) {
    const d = generateDigits({ count: s.count, seed: s.seed, size });
    const images = join(dir, `${s.prefix}-images-idx3-ubyte`);
    const labels = join(dir, `${s.prefix}-labels-idx1-ubyte`);
    writeFileAtomic(images, encodeIdx({ dtype: 'uint8', shape: [s.count, size, size], data: d.pixels }));
    writeFileAtomic(labels, encodeIdx({ dtype: 'uint8', shape: [s.count], data: Uint8Array.from(d.labels) }));
    files.push(images, labels);
  }
  return files;
}
