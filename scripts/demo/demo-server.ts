import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { DemoShell } from './demo-shell.js';

/** True when `port` can be bound on 127.0.0.1 right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port the OS says is free now. */
function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** `wanted` when free (0 means any), else a free one; `moved` says it had to move. */
export async function pickPort(wanted: number, avoid: readonly number[] = []): Promise<{ port: number; moved: boolean }> {
  if (wanted !== 0 && (await portFree(wanted))) return { port: wanted, moved: false };
  for (;;) {
    const p = await ephemeralPort();
    if (!avoid.includes(p)) return { port: p, moved: wanted !== 0 };
  }
}

/** Servers still running, so an interrupted demo (Ctrl-C, SIGTERM) can stop them instead of leaving them behind. */
const running = new Set<ChildProcess>();

/** Sends SIGTERM to every `slipway serve` the demo started and has not stopped yet. */
export function stopAllServers(): void {
  for (const c of running) c.kill('SIGTERM');
}

/** A `slipway serve` process the demo started. */
export interface ServeProcess {
  readonly restUrl: string;
  readonly grpcAddress: string;
  readonly restPort: number;
  readonly grpcPort: number;
  /** Lines it printed (for the report when something fails). */
  readonly output: string[];
  stop(): Promise<void>;
}

/**
 * Starts `slipway serve ARGS --rest-port R --grpc-port G` in the background and waits until GET /v2/health/ready
 * answers 200 (or the process exits, or `timeoutMs` passes).
 */
export async function startServe(
  shell: DemoShell,
  args: readonly string[],
  ports: { rest: number; grpc: number },
  opts: { timeoutMs?: number; echo?: (line: string) => void } = {},
): Promise<ServeProcess> {
  const full = [...args, '--rest-port', String(ports.rest), '--grpc-port', String(ports.grpc)];
  shell.say(`$ slipway ${full.join(' ')} &`);
  const output: string[] = [];
  const child: ChildProcess = shell.background(full, (line) => {
    output.push(line);
    opts.echo?.(line);
  });
  running.add(child);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      running.delete(child);
      resolve();
    }),
  );
  const restUrl = `http://127.0.0.1:${ports.rest}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const stop = async (): Promise<void> => {
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };
  for (;;) {
    if (exited !== undefined) throw new Error(`slipway serve exited with ${exited} before it was ready:\n${output.slice(-20).join('\n')}`);
    try {
      const r = await fetch(`${restUrl}/v2/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`slipway serve was not ready within ${(opts.timeoutMs ?? 60_000) / 1000}s:\n${output.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { restUrl, grpcAddress: `127.0.0.1:${ports.grpc}`, restPort: ports.rest, grpcPort: ports.grpc, output, stop };
}
