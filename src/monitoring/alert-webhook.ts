import type { Db } from '../meta/index.js';
import { deliverWebhooks, type WebhookDelivery } from '../registry/index.js';
import type { AlertResult } from './alert-rules.js';
import type { MonitoringReport } from './monitoring-report.js';

/** `monitoring.webhook` of slipway.yaml. */
export interface AlertWebhook {
  readonly url: string;
  readonly secret?: string | undefined;
}

/**
 * POSTs `{ id, event: "monitoring.alert", model, window, alerts, fired, drift_status }` to the webhook, signed with
 * `X-Slipway-Signature: sha256=…` when a secret is set (the registry's delivery code: logged, never throws).
 */
export async function sendAlertWebhook(
  db: Db,
  hook: AlertWebhook,
  report: MonitoringReport,
  alerts: readonly AlertResult[],
  opts: { timeoutMs?: number } = {},
): Promise<WebhookDelivery | null> {
  const fired = alerts.filter((a) => a.fired);
  const [d] = await deliverWebhooks(
    db,
    [{ url: hook.url, secret: hook.secret }],
    'monitoring.alert',
    report.model,
    {
      model: report.model,
      window: { from: report.from, to: report.to },
      fired: fired.length,
      alerts: fired,
      drift_status: report.drift.status,
      at: Date.now(),
    },
    opts,
  );
  return d ?? null;
}
