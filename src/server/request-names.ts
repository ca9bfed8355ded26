import type { FastifyInstance } from 'fastify';
import { assertNoControlChars } from '../access/index.js';

/** Body fields that name things (runs, experiments, datasets, artifacts, aliases): values must be printable. */
const NAME_FIELDS = new Set(['name', 'experiment', 'path', 'kind', 'dataset', 'key', 'alias', 'model', 'parentRunId', 'runId', 'format']);

/** Every object key, and every value of a naming field, in a parsed JSON body (iterative: bodies may be deep). */
function checkBody(body: unknown): void {
  const stack: unknown[] = [body];
  let seen = 0;
  while (stack.length > 0 && seen < 2_000_000) {
    const v = stack.pop();
    seen++;
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        assertNoControlChars(k, 'a field name');
        if (typeof x === 'string' && NAME_FIELDS.has(k)) assertNoControlChars(x, `"${k}"`);
        else if (typeof x === 'object') stack.push(x);
      }
    }
  }
}

/** Refuses NUL and control characters in path parameters, query values and the names in JSON bodies (NAME_INVALID). */
export function installNameChecks(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    for (const v of Object.values((req.params ?? {}) as Record<string, unknown>))
      if (typeof v === 'string') assertNoControlChars(v, 'a path segment');
    for (const v of Object.values((req.query ?? {}) as Record<string, unknown>))
      if (typeof v === 'string') assertNoControlChars(v, 'a query value');
    if (req.body !== undefined && req.body !== null && typeof (req.body as { pipe?: unknown }).pipe !== 'function') checkBody(req.body);
  });
}
