import type { Db } from '../meta/index.js';
import { SlipwayError } from '../errors/index.js';

/** One ground-truth label for a served request. A multi-row request takes a list of labels, one per row. */
export interface FeedbackItem {
  readonly requestId: string;
  readonly label: string | readonly string[];
}

/** Validates a feedback body: `{request_id, label}`, `{feedback: [...]}` or a bare list. */
export function parseFeedbackBody(body: unknown): FeedbackItem[] {
  const list = Array.isArray(body)
    ? body
    : typeof body === 'object' && body !== null && Array.isArray((body as { feedback?: unknown }).feedback)
      ? (body as { feedback: unknown[] }).feedback
      : [body];
  if (list.length === 0) throw new SlipwayError('INPUT_MISSING', 'feedback needs at least one {request_id, label}.');
  if (list.length > 10000)
    throw new SlipwayError('INPUT_INVALID', `feedback takes at most 10000 items per call (got ${list.length}); split it.`);
  return list.map((x: unknown, i) => {
    const where = list.length === 1 ? 'feedback' : `feedback[${i}]`;
    if (typeof x !== 'object' || x === null) throw new SlipwayError('INPUT_INVALID', `${where} must be an object {request_id, label}.`);
    const o = x as { request_id?: unknown; label?: unknown };
    if (typeof o.request_id !== 'string' || o.request_id.length === 0 || o.request_id.length > 128)
      throw new SlipwayError('INPUT_MISSING', `${where}.request_id must be the x-request-id of a served request.`);
    const ok = (v: unknown): boolean => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
    if (Array.isArray(o.label) ? !o.label.every(ok) || o.label.length === 0 : !ok(o.label))
      throw new SlipwayError(
        'INPUT_INVALID',
        `${where}.label must be a class label (string or number), or a list of them for multi-row requests.`,
      );
    return { requestId: o.request_id, label: Array.isArray(o.label) ? o.label.map(String) : String(o.label) };
  });
}

/** Stores feedback in one transaction; a second label for the same request replaces the first. */
export async function recordFeedback(db: Db, items: readonly FeedbackItem[], now: number = Date.now()): Promise<number> {
  await db.tx(async (t) => {
    await t.runMany(
      `INSERT INTO feedback (request_id, label, at) VALUES (?, ?, ?) ON CONFLICT (request_id) DO UPDATE SET label = excluded.label, at = excluded.at`,
      items.map((f) => [f.requestId, typeof f.label === 'string' ? f.label : JSON.stringify(f.label), now]),
    );
  });
  return items.length;
}
