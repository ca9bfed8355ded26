/** A point of a series to downsample. */
export interface XY {
  readonly x: number;
  readonly y: number;
}

/**
 * Largest-Triangle-Three-Buckets (Steinarsson 2013): keeps `threshold` points of a series sorted by x so a chart
 * of them looks like the chart of all of them (peaks and dips survive, unlike every-nth sampling).
 * The first and last points are always kept; a series with no more than `threshold` points is returned as is.
 */
export function lttb<T extends XY>(points: readonly T[], threshold: number): T[] {
  const n = points.length;
  if (threshold >= n || threshold <= 0) return points.slice();
  if (threshold < 3) return threshold === 1 ? [points[0]!] : [points[0]!, points[n - 1]!];
  const out: T[] = [points[0]!];
  // The n-2 middle points fall into threshold-2 buckets; from each, keep the point making the largest triangle
  // with the point kept from the bucket before and the mean of the bucket after.
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += points[j]!.x;
      avgY += points[j]!.y;
    }
    const len = Math.max(1, nextEnd - nextStart);
    avgX /= len;
    avgY /= len;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const pa = points[a]!;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const p = points[j]!;
      const area = Math.abs((pa.x - avgX) * (p.y - pa.y) - (pa.x - p.x) * (avgY - pa.y));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out.push(points[best]!);
    a = best;
  }
  out.push(points[n - 1]!);
  return out;
}
