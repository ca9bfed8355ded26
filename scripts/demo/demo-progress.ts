import cliProgress from 'cli-progress';

/** A progress bar on stderr while the demo itself works (the CLI commands draw their own). */
export function demoProgress(quiet: boolean, label: string, total: number): { update(n: number): void; stop(): void } {
  if (quiet || !process.stderr.isTTY || process.env.SLIPWAY_NO_PROGRESS) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `  ${label} [{bar}] {value}/{total} {percentage}%`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (n) => bar.update(n), stop: () => bar.stop() };
}
