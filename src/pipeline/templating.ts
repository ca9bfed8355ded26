import { SlipwayError } from '../errors/index.js';
import { getDotted } from './params-file.js';

const WHOLE = /^\$\{\s*([A-Za-z0-9_.@-]+)\s*\}$/;
const PART = /\$\{\s*([A-Za-z0-9_.@-]+)\s*\}/g;

/**
 * Replaces `${a.b}` references in strings (recursively through arrays and mappings) with values from `vars`.
 * A string that is exactly one reference keeps the value's type (so `foreach: ${models}` gets a list).
 */
export function interpolate(value: unknown, vars: Record<string, unknown>, where: string): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookup(vars, whole[1]!, where);
    return value.replace(PART, (_m, key: string) => {
      const v = lookup(vars, key, where);
      if (v !== null && typeof v === 'object')
        throw new SlipwayError(
          'PIPELINE_INVALID',
          `${where}: \${${key}} is a ${Array.isArray(v) ? 'list' : 'mapping'} and cannot be pasted into a string`,
          {
            where,
            key,
          },
        );
      return String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, vars, where));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[interpolate(k, vars, where) as string] = interpolate(v, vars, where);
    return out;
  }
  return value;
}

function lookup(vars: Record<string, unknown>, key: string, where: string): unknown {
  const v = getDotted(vars, key);
  if (v === undefined)
    throw new SlipwayError(
      'PIPELINE_INVALID',
      `${where}: \${${key}} is not defined; define it in params.yaml, in \`vars:\`, or (inside foreach/matrix) use \${item}/\${key}`,
      { where, key },
    );
  return v;
}
