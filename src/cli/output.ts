import { cliSettings } from '../config/index.js';
/** Whether to colour output (a TTY without NO_COLOR). */
export function useColor(): boolean {
  return cliSettings().color;
}

const wrap =
  (open: number, close: number) =>
  (s: string): string =>
    useColor() ? `\u001b[${open}m${s}\u001b[${close}m` : s;
/** ANSI styles that turn themselves off when colour is off. */
export const style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};

/** Prints a value as pretty JSON (the `--json` output of read commands). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Renders rows as an aligned text table with a header. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : typeof c === 'number' ? formatNumber(c) : String(c))));
  // eslint-disable-next-line no-control-regex
  const visible = (s: string): number => s.replace(/\u001b\[[0-9;]*m/g, '').length;
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => visible(r[i] ?? ''))));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => c + ' '.repeat(Math.max(0, widths[i]! - visible(c))))
      .join('  ')
      .trimEnd();
  return [style.bold(line(headers)), ...cells.map(line)].join('\n');
}

/** Numbers for people: integers as is, others to 4 significant decimals. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  return abs >= 1000 ? n.toFixed(1) : abs >= 1 ? n.toFixed(4) : n.toPrecision(4);
}

/** Bytes for people. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}
