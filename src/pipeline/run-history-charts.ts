import type { Db } from '../meta/index.js';
import { getRun, metricHistory } from '../tracking/index.js';
import type { Chart } from './plots-svg.js';

/** One chart per metric key of each run, drawn from its step history (e.g. loss and accuracy per epoch). */
export async function runHistoryCharts(db: Db, runIds: readonly string[], keys?: readonly string[]): Promise<Chart[]> {
  const byKey = new Map<string, { name: string; points: [number, number][] }[]>();
  for (const id of runIds) {
    const run = await getRun(db, id);
    for (const key of keys ?? Object.keys(run.metrics).sort()) {
      const points = (await metricHistory(db, id, key)).map((p) => [p.step, p.value] as [number, number]);
      if (points.length === 0) continue;
      byKey.set(key, [...(byKey.get(key) ?? []), { name: `${run.name ?? id.slice(-6)} (${id.slice(-6)})`, points }]);
    }
  }
  return [...byKey].map(([key, series]) => ({ title: key, xLabel: 'step', yLabel: key, series }));
}
