import { SlipwayError, errorMessage } from '../errors/index.js';

/** A parsed model reference: `name@3` (a version), `name:alias`, or a bare `name` (alias `production`). */
export type ModelRef =
  | { readonly name: string; readonly kind: 'version'; readonly version: number }
  | { readonly name: string; readonly kind: 'alias'; readonly alias: string };

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ALIAS = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

/** True when `s` is a valid model name (letters, digits, `.`, `_`, `-`; starts with a letter or digit). */
export function isModelName(s: string): boolean {
  return NAME.test(s);
}

/** True when `s` is a syntactically valid alias name. */
export function isAliasName(s: string): boolean {
  return ALIAS.test(s);
}

/** Parses `name@3`, `name@latest`, `name:alias` or `name` (→ alias `production`). */
export function parseModelRef(ref: string): ModelRef {
  const bad = (why: string): SlipwayError =>
    new SlipwayError('MODEL_REF_INVALID', errorMessage('MODEL_REF_INVALID', { ref, why }), { ref });
  const s = ref.trim();
  const at = s.lastIndexOf('@');
  const colon = s.lastIndexOf(':');
  if (at >= 0 && colon >= 0) throw bad('both @ and :');
  if (at >= 0) {
    const name = s.slice(0, at);
    const v = s.slice(at + 1);
    if (!isModelName(name)) throw bad('bad model name');
    if (v === 'latest') return { name, kind: 'alias', alias: 'latest' };
    if (!/^v?[0-9]+$/.test(v) || Number(v.replace(/^v/, '')) < 1) throw bad('the version must be a positive integer');
    return { name, kind: 'version', version: Number(v.replace(/^v/, '')) };
  }
  if (colon >= 0) {
    const name = s.slice(0, colon);
    const alias = s.slice(colon + 1);
    if (!isModelName(name)) throw bad('bad model name');
    if (/^v[0-9]+$/.test(alias)) return { name, kind: 'version', version: Number(alias.slice(1)) };
    if (!isAliasName(alias)) throw bad('bad alias name');
    return { name, kind: 'alias', alias };
  }
  if (!isModelName(s)) throw bad('bad model name');
  return { name: s, kind: 'alias', alias: 'production' };
}

/** The reference to one version of a model (typed; no `${name}@${version}` string to parse again). */
export function versionRef(name: string, version: number): ModelRef {
  return { name, kind: 'version', version };
}

/**
 * The reference a selector names within a known model, as REST paths carry it: `3`/`v3` (a version), `latest`, or an
 * alias. The same meanings as `name@3`, `name:v3`, `name@latest` and `name:alias` in parseModelRef.
 */
export function modelRefOf(name: string, selector: string): ModelRef {
  return parseModelRef(/^v?[0-9]+$/.test(selector) || selector === 'latest' ? `${name}@${selector}` : `${name}:${selector}`);
}

/** Formats a reference back to text. */
export function formatModelRef(ref: ModelRef): string {
  return ref.kind === 'version' ? `${ref.name}@${ref.version}` : `${ref.name}:${ref.alias}`;
}

/** Refuses reserved alias names (`latest`, `v<digits>`) and malformed ones. */
export function assertAliasName(alias: string): void {
  if (alias === 'latest' || /^v[0-9]+$/.test(alias))
    throw new SlipwayError('ALIAS_RESERVED', `"${alias}" is reserved (latest and v<N> always mean versions); pick another alias name`, {
      alias,
    });
  if (!isAliasName(alias))
    throw new SlipwayError('MODEL_REF_INVALID', `"${alias}" is not a valid alias (letters, digits, . _ -; starts with a letter)`, {
      alias,
    });
}
