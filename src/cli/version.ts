import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The installed package's version, read from its package.json (src/cli and dist/cli both sit two levels below it). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
