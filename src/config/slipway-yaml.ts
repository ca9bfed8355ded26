import { readFileSync, existsSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { SlipwayError } from '../errors/index.js';
import { slipwayConfigSchema, type SlipwayConfig } from './schema.js';

/** Loads and validates `slipway.yaml`; errors name the file, line and key. */
export function loadConfig(path: string): SlipwayConfig {
  if (!existsSync(path)) throw new SlipwayError('CONFIG_NOT_FOUND', `${path} does not exist; run \`slipway init\``, { path });
  return parseConfig(readFileSync(path, 'utf8'), path);
}

/** Parses and validates the text of a `slipway.yaml` (or any file validated by `schema`). */
export function parseConfig(text: string, file: string): SlipwayConfig {
  return parseYamlWith(text, file, slipwayConfigSchema);
}

/** Parses YAML and validates it with a zod schema, mapping the first issue to `file:line key: message`. */
export function parseYamlWith<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0];
    throw new SlipwayError(
      'CONFIG_INVALID',
      `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: YAML syntax error: ${err.message.split('\n')[0]}`,
      {
        file,
        line: pos?.line,
      },
    );
  }
  const value: unknown = doc.toJS() ?? {};
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const keyPath = issue.path.map(String);
  const node = nodeAt(doc.contents, keyPath);
  const line = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const key = keyPath.join('.') || '(top level)';
  throw new SlipwayError('CONFIG_INVALID', `${file}${line ? `:${line}` : ''}: ${key}: ${issue.message}`, { file, line, key });
}

function nodeAt(root: unknown, path: string[]): Node | undefined {
  let node = root as Node | undefined;
  let last = node;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === key);
      node = (pair?.value as Node | undefined) ?? (pair?.key as Node | undefined);
    } else if (isSeq(node)) {
      node = node.items[Number(key)] as Node | undefined;
    } else break;
    if (node) last = node;
  }
  return node ?? last;
}
