import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { arch, cpus, hostname, platform, release } from 'node:os';
import { join } from 'node:path';

/**
 * The environment a run executed in: node, OS, CPU model and count, the sha256 of package-lock.json if present, and the
 * process and host that started it (so a run whose process died can be marked KILLED: reapOrphanRuns).
 */
export function environmentInfo(dir: string): Record<string, string> {
  const cpuList = cpus();
  const env: Record<string, string> = {
    node: process.version,
    os: `${platform()} ${release()}`,
    arch: arch(),
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cpus: String(cpuList.length),
    pid: String(process.pid),
    host: hostname(),
  };
  const lock = findUp(dir, 'package-lock.json');
  if (lock) env.lockfileHash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  return env;
}

function findUp(dir: string, name: string): string | null {
  let d = dir;
  for (let i = 0; i < 64; i++) {
    const p = join(d, name);
    if (existsSync(p)) return p;
    const parent = join(d, '..');
    if (parent === d) return null;
    d = parent;
  }
  return null;
}
