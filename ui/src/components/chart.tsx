import { useEffect, useRef, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#65a30d', '#4f46e5', '#b45309'];

/** A colour per series index (cycled). */
export function seriesColor(i: number): string {
  return COLORS[i % COLORS.length]!;
}

/** Draw times of charts, for the benchmark (bench/ui.ts reads window.__slipwayDraws). */
declare global {
  interface Window {
    __slipwayDraws?: { id: string; ms: number; points: number; at: number }[];
  }
}

/** A canvas line chart (uPlot): x in data[0], one y column per label; log scale on demand; x as time or numbers. */
export function LineChart({
  data,
  labels,
  title,
  log = false,
  time = false,
  height = 240,
  testId = 'chart',
}: {
  data: [number[], ...(number | null)[][]];
  labels: readonly string[];
  title: string;
  log?: boolean;
  time?: boolean;
  height?: number;
  testId?: string;
}): ReactNode {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const started = performance.now();
    const width = Math.max(300, el.clientWidth || 600);
    const opts: uPlot.Options = {
      title,
      width,
      height,
      scales: { x: { time }, y: log ? { distr: 3 } : {} },
      series: [
        { label: time ? 'time' : 'step' },
        ...labels.map((l, i) => ({ label: l, stroke: seriesColor(i), width: 1.5, spanGaps: true, points: { show: false } })),
      ],
      legend: { show: labels.length <= 12 },
      hooks: {
        draw: [
          () => {
            el.dataset.drawn = '1';
            (window.__slipwayDraws ??= []).push({
              id: title,
              ms: performance.now() - started,
              points: data[0].length * labels.length,
              at: performance.now(),
            });
          },
        ],
      },
    };
    const plot = new uPlot(opts, data as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(300, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
      delete el.dataset.drawn;
    };
  }, [data, labels, title, log, time, height]);
  return <div className="chart" ref={ref} data-testid={testId} />;
}
