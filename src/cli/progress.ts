import cliProgress from 'cli-progress';
import { cliSettings } from '../config/index.js';

/** A progress bar that only draws on a TTY (stderr), so piped output and --json stay clean. */
export interface Progress {
  update(done: number, payload?: Record<string, string | number>): void;
  increment(by?: number, payload?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

/** Starts a progress bar for `total` units with a label; `format` may use {bar} {value} {total} {percentage} {eta_formatted} and payload keys. */
export function progress(label: string, total: number, format?: string): Progress {
  if (!cliSettings().progress) {
    return { update() {}, increment() {}, setTotal() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: format ?? `${label} [{bar}] {percentage}% {value}/{total} {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (d, p) => bar.update(d, p),
    increment: (b = 1, p) => bar.increment(b, p),
    setTotal: (t) => bar.setTotal(t),
    stop: () => bar.stop(),
  };
}
