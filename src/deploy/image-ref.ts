import { SlipwayError } from '../errors/index.js';

/** A parsed image reference: `[host[:port]/]path[:tag][@sha256:…]` (the distribution reference grammar). */
export interface ImageRef {
  /** Registry host (with port); `docker.io` when the reference names none. */
  readonly registry: string;
  /** Repository path, e.g. `library/node` or `acme/mnist`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** True when the reference named its registry. */
  readonly explicitRegistry: boolean;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST =
  /^(?:localhost|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

function invalid(ref: string, why: string): SlipwayError {
  return new SlipwayError(
    'IMAGE_REF_INVALID',
    `"${ref}" is not a valid image reference (${why}); write [HOST[:PORT]/]NAME[:TAG], e.g. registry.example.com/acme/mnist:1`,
    { ref },
  );
}

/** Parses an image reference; a bare `name` gets `docker.io/library/name`, as docker does. */
export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  if (rest === '') throw invalid(ref, 'empty');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(ref, 'the digest must be sha256:<64 hex>');
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(ref, `tag "${tag}" must be letters, digits, _ . - (at most 128, not starting with . or -)`);
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  let explicitRegistry = false;
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!HOST.test(first)) throw invalid(ref, `"${first}" is not a host[:port]`);
    registry = first;
    explicitRegistry = true;
    parts.shift();
  }
  if (parts.length === 0 || parts.some((p) => !COMPONENT.test(p)))
    throw invalid(ref, 'repository path components are lowercase letters and digits separated by . _ __ or -');
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length > 255) throw invalid(ref, 'the repository name is longer than 255 characters');
  return { registry, repository, tag, digest, explicitRegistry };
}

/** The reference as text (`host/repo:tag` or `host/repo@digest`). */
export function formatImageRef(r: ImageRef): string {
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** Validates a `--tag NAME:TAG` (a reference with a tag and no digest); a missing tag means `latest`. */
export function parseImageTag(tag: string): ImageRef & { readonly tag: string } {
  const r = parseImageRef(tag);
  if (r.digest) throw invalid(tag, 'a tag cannot carry a digest');
  return { ...r, tag: r.tag ?? 'latest' };
}

/** The name written into `org.opencontainers.image.ref.name` and docker-archive RepoTags: as the user wrote it. */
export function displayName(tag: string): string {
  const r = parseImageTag(tag);
  const name = r.explicitRegistry ? `${r.registry}/${r.repository}` : r.repository.replace(/^library\//, '');
  return `${name}:${r.tag}`;
}
