import { hostname } from 'node:os';
import type { Db } from '../meta/index.js';

/** True when a process with this id exists on this machine (EPERM: it exists but belongs to someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Marks KILLED every RUNNING run that was started on this machine by a process that no longer exists (a crashed or
 * SIGKILLed `repro`, training script or SDK client): environmentInfo records `pid` and `host` at start. Runs from
 * other machines, or without a recorded process, are left alone. Returns the ids it ended.
 */
export async function reapOrphanRuns(db: Db, now: number = Date.now()): Promise<string[]> {
  const rows = await db.all<{ id: string; env_json: string | null }>(`SELECT id, env_json FROM runs WHERE status = 'RUNNING'`);
  const host = hostname();
  const ended: string[] = [];
  for (const r of rows) {
    let env: Record<string, unknown> = {};
    try {
      env = r.env_json ? (JSON.parse(r.env_json) as Record<string, unknown>) : {};
    } catch {
      continue;
    }
    const pid = Number(env.pid);
    if (env.host !== host || !Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    const res = await db.run(`UPDATE runs SET status = 'KILLED', end_time = ? WHERE id = ? AND status = 'RUNNING'`, [now, r.id]);
    if (res.changes === 1) ended.push(r.id);
  }
  return ended;
}
