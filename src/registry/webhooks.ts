import { createHmac } from 'node:crypto';
import { ulid } from 'ulidx';
import type { Db } from '../meta/index.js';

/** One `webhooks:` entry of slipway.yaml. */
export interface WebhookConfig {
  readonly url: string;
  readonly secret?: string | undefined;
  /** Event names to send (`alias.moved`, `alias.rollback`, or `*`); all when omitted. */
  readonly events?: readonly string[] | undefined;
}

/** What happened to one delivery. */
export interface WebhookDelivery {
  readonly id: string;
  readonly url: string;
  readonly event: string;
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
}

/** `sha256=<hex HMAC-SHA256 of body>`, the `X-Slipway-Signature` header value. */
export function signPayload(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * POSTs `payload` to every webhook subscribed to `event`, in parallel, each within `timeoutMs`. Never throws: a failed
 * delivery is recorded in webhook_deliveries (and passed to `onFailure`) so it can never block or undo the change.
 */
export async function deliverWebhooks(
  db: Db,
  hooks: readonly WebhookConfig[],
  event: string,
  target: string,
  payload: Readonly<Record<string, unknown>>,
  opts: { timeoutMs?: number; onFailure?: (d: WebhookDelivery) => void } = {},
): Promise<WebhookDelivery[]> {
  const chosen = hooks.filter((h) => !h.events || h.events.includes('*') || h.events.includes(event));
  return Promise.all(
    chosen.map(async (h) => {
      const id = ulid();
      const body = JSON.stringify({ id, event, ...payload });
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-slipway-event': event, 'x-slipway-delivery': id };
      if (h.secret) headers['x-slipway-signature'] = signPayload(h.secret, body);
      const t0 = performance.now();
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await fetch(h.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 5000) });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) error = `HTTP ${res.status}`;
      } catch (e) {
        error = (e as Error).message;
      }
      const d: WebhookDelivery = { id, url: h.url, event, ok: error === null, status, error };
      try {
        await db.run(
          `INSERT INTO webhook_deliveries (id, event, url, target, status, ok, error, duration_ms, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [id, event, h.url, target, status, d.ok ? 1 : 0, error, performance.now() - t0, Date.now()],
        );
      } catch {
        // Recording is best effort too: a delivery log must not turn into a failed alias move.
      }
      if (!d.ok) opts.onFailure?.(d);
      return d;
    }),
  );
}
