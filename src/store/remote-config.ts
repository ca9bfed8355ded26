import { readFileSync } from 'node:fs';
import { isMap, parseDocument } from 'yaml';
import { SlipwayError } from '../errors/index.js';
import { writeFileAtomic } from './object-store.js';

function load(configPath: string): ReturnType<typeof parseDocument> {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch {
    throw new SlipwayError('CONFIG_NOT_FOUND', `cannot read ${configPath}; run \`slipway init\``, { path: configPath });
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    throw new SlipwayError('CONFIG_INVALID', `${configPath} is not valid YAML (${doc.errors[0]!.message}); fix it first`, {
      path: configPath,
    });
  return doc;
}

/** Adds `remotes.NAME.url` to slipway.yaml, keeping its comments and layout (yaml Document API, atomic write). */
export function addRemoteToConfig(configPath: string, name: string, url: string, opts: { force?: boolean } = {}): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    throw new SlipwayError('USAGE', `"${name}" is not a valid remote name; use letters, digits, ".", "_" and "-"`, { name });
  const doc = load(configPath);
  const remotes = doc.get('remotes');
  if (isMap(remotes) && remotes.has(name) && !opts.force)
    throw new SlipwayError('REMOTE_EXISTS', `remote "${name}" already exists; remove it first or pass --force`, { name });
  if (!isMap(remotes)) doc.set('remotes', doc.createNode({}));
  doc.setIn(['remotes', name], doc.createNode({ url }));
  writeFileAtomic(configPath, doc.toString());
}

/** Removes `remotes.NAME` from slipway.yaml (comments kept, atomic write). */
export function removeRemoteFromConfig(configPath: string, name: string): void {
  const doc = load(configPath);
  if (!doc.hasIn(['remotes', name]))
    throw new SlipwayError('REMOTE_NOT_FOUND', `no remote named "${name}"; see \`slipway remote list\``, { name });
  doc.deleteIn(['remotes', name]);
  writeFileAtomic(configPath, doc.toString());
}

/** Picks the remote to use: the named one, else the only one, else the one called `origin`. */
export function pickRemote(remotes: Record<string, { url: string }>, name?: string): { name: string; url: string } {
  if (name !== undefined) {
    const r = remotes[name];
    if (!r)
      throw new SlipwayError('REMOTE_NOT_FOUND', `no remote named "${name}"; add it with \`slipway remote add ${name} URL\``, { name });
    return { name, url: r.url };
  }
  const names = Object.keys(remotes);
  if (names.length === 1) return { name: names[0]!, url: remotes[names[0]!]!.url };
  if (remotes.origin) return { name: 'origin', url: remotes.origin.url };
  if (names.length === 0) throw new SlipwayError('REMOTE_NOT_FOUND', 'no remote configured; add one with `slipway remote add NAME PATH`');
  throw new SlipwayError('USAGE', `several remotes are configured (${names.join(', ')}); choose one with -r NAME`);
}
