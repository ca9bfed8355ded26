import { SlipwayError } from '../errors/index.js';

/** A reference to a dataset version: `name@N`, or `name` for the latest. */
export interface DatasetRef {
  name: string;
  version?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Checks a dataset name (letters, digits, `.`, `_`, `-`; starts with a letter or digit). */
export function assertDatasetName(name: string): void {
  if (!NAME.test(name) || name.length > 128)
    throw new SlipwayError(
      'DATASET_REF_INVALID',
      `"${name}" is not a valid dataset name; use letters, digits, ".", "_" and "-" (starting with a letter or digit)`,
      { name },
    );
}

/** Parses `name@3` or `name`. */
export function parseDatasetRef(ref: string): DatasetRef {
  const at = ref.lastIndexOf('@');
  if (at < 0) {
    assertDatasetName(ref);
    return { name: ref };
  }
  const name = ref.slice(0, at);
  const v = ref.slice(at + 1);
  if (!/^[1-9]\d*$/.test(v))
    throw new SlipwayError('DATASET_REF_INVALID', `"${ref}" has a bad version; write NAME@N with N a positive integer, e.g. mnist@2`, {
      ref,
    });
  assertDatasetName(name);
  return { name, version: Number(v) };
}

/** Formats a reference as `name@N`. */
export function formatDatasetRef(name: string, version: number): string {
  return `${name}@${version}`;
}
