import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What happens to one logged input/output field: removed, replaced by a salted hash (still joinable), or masked. */
export type RedactionMode = 'drop' | 'hash' | 'mask';

/** `monitoring.redact`: a list of names (masked, as before) or a map of name → mode. */
export type RedactionSpec = readonly string[] | Readonly<Record<string, RedactionMode>>;

/** The masked form of a value: strings keep their last 4 characters (`*****6789`), anything else becomes "[redacted]". */
export function maskValue(v: unknown): unknown {
  if (typeof v === 'string') return v.length <= 4 ? '*'.repeat(v.length) : `${'*'.repeat(v.length - 4)}${v.slice(-4)}`;
  return '[redacted]';
}

/** A salted hash of a value (HMAC-SHA256 over its JSON): equal values stay equal, the value cannot be read back. */
export function hashValue(v: unknown, salt: string): string {
  return `hmac-sha256:${createHmac('sha256', salt)
    .update(JSON.stringify(v) ?? 'undefined')
    .digest('hex')}`;
}

/**
 * Compiles a redaction spec into a function applied to each logged record before it is stored. `salt` keys the
 * hashes (keep it secret and stable, or hashes cannot be joined across restarts).
 */
export function compileRedaction(
  spec: RedactionSpec | undefined,
  salt: string,
): (record: Record<string, unknown>) => Record<string, unknown> {
  const modes = new Map<string, RedactionMode>(
    Array.isArray(spec) ? spec.map((n) => [n, 'mask' as const]) : Object.entries((spec ?? {}) as Record<string, RedactionMode>),
  );
  if (modes.size === 0) return (r) => r;
  return (record) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) {
      const mode = modes.get(k);
      if (mode === 'drop') continue;
      out[k] = mode === 'hash' ? hashValue(v, salt) : mode === 'mask' ? maskValue(v) : v;
    }
    return out;
  };
}

/** The workspace's redaction salt (`.slipway/redaction.salt`, created once with 32 random bytes, readable by the owner only). */
export function workspaceRedactionSalt(stateDir: string): string {
  const file = join(stateDir, 'redaction.salt');
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return readFileSync(file, 'utf8').trim();
}
