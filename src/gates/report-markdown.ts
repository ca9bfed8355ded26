import type { GateResult } from './types.js';

/** Formats a measured value for the report. */
export function formatValue(v: number | null): string {
  if (v === null) return '—';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

/** The report's Markdown: a heading with the verdict and a table of rule, measured value, bound and verdict. */
export function gateReportMarkdown(
  head: { model: string; version: number; dataset: string; rows: number; passed: boolean },
  results: readonly GateResult[],
): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [
    `### Gates for ${head.model}@${head.version}: ${head.passed ? 'PASSED' : 'FAILED'}`,
    '',
    `Evaluated on ${head.dataset} (${head.rows} rows).`,
    '',
    '| rule | measured | bound | verdict |',
    '|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${esc(r.rule)} | ${formatValue(r.value)} | ${esc(r.bound)} | ${r.passed ? 'pass' : 'FAIL'}${r.detail ? ` (${esc(r.detail)})` : ''} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
