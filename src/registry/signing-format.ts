/**
 * The OpenSSF model-signing format (sigstore/model-transparency, predicate v1.0), signed with a private key:
 *
 *   Sigstore bundle v0.3 { verificationMaterial.publicKey.hint = sha256(public key PEM), dsseEnvelope }
 *   DSSE envelope { payloadType: application/vnd.in-toto+json, payload: base64(statement), signatures: [{ sig, keyid: "" }] }
 *   in-toto Statement v1 { subject: [{ name: model, digest.sha256: sha256(concatenated file digests) }],
 *     predicateType: https://model_signing/signature/v1.0,
 *     predicate: { resources: [{ name, algorithm: sha256, digest }] sorted by name, serialization: { method: files, … } } }
 *
 * The signature is ECDSA over DSSE's pre-authentication encoding, with the curve's hash (P-256 → SHA-256, P-384 →
 * SHA-384, P-521 → SHA-512), DER-encoded, as `model_signing sign key` / `verify key` do.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { SlipwayError } from '../errors/index.js';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PREDICATE_TYPE = 'https://model_signing/signature/v1.0';

/** One signed file: its POSIX path in the model and its sha256. */
export interface SignedFile {
  readonly name: string;
  readonly digest: string;
}

/** The in-toto statement of a model. */
export interface ModelStatement {
  readonly _type: string;
  readonly subject: readonly { name: string; digest: { sha256: string } }[];
  readonly predicateType: string;
  readonly predicate: {
    readonly resources: readonly { algorithm: string; name: string; digest: string }[];
    readonly serialization: { method: string; hash_type?: string; allow_symlinks?: boolean; ignore_paths?: string[] };
  };
}

/** A Sigstore bundle holding a DSSE envelope signed with a key. */
export interface SigstoreBundle {
  readonly mediaType: string;
  readonly verificationMaterial: {
    publicKey?: { hint?: string };
    tlogEntries?: unknown[];
    certificate?: unknown;
    x509CertificateChain?: unknown;
  };
  readonly dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] };
}

/** The root digest of a manifest: sha256 over the raw digests in name order (model_signing's subject digest). */
export function rootDigest(files: readonly SignedFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) h.update(Buffer.from(f.digest, 'hex'));
  return h.digest('hex');
}

/** Builds the statement for a model's files. */
export function modelStatement(modelName: string, files: readonly SignedFile[], ignorePaths: readonly string[] = []): ModelStatement {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: modelName, digest: { sha256: rootDigest(sorted) } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      resources: sorted.map((f) => ({ algorithm: 'sha256', name: f.name, digest: f.digest })),
      serialization: { allow_symlinks: false, method: 'files', hash_type: 'sha256', ignore_paths: [...ignorePaths] },
    },
  };
}

/** DSSE v1 pre-authentication encoding of a payload. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `, 'utf8'), payload]);
}

function ecHash(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve === undefined)
    throw new SlipwayError(
      'SIGNING_KEY_INVALID',
      'model signing needs an elliptic-curve key (P-256, P-384 or P-521), as model_signing does',
    );
  const h = { prime256v1: 'sha256', secp384r1: 'sha384', secp521r1: 'sha512' }[curve];
  if (!h)
    throw new SlipwayError('SIGNING_KEY_INVALID', `curve ${curve} is not supported; use P-256 (openssl ecparam -name prime256v1 -genkey)`);
  return h;
}

/** sha256 of the public key's SubjectPublicKeyInfo PEM: the bundle's key hint. */
export function publicKeyHint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'pem' }).toString())
    .digest('hex');
}

/** Reads a PEM private key (SIGNING_KEY_INVALID otherwise). */
export function readPrivateKey(pem: string | Buffer, passphrase?: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, passphrase });
  } catch (e) {
    throw new SlipwayError(
      'SIGNING_KEY_INVALID',
      `the signing key is not a PEM private key (${(e as Error).message}); make one with \`openssl ecparam -name prime256v1 -genkey -noout -out key.pem\``,
    );
  }
}

/** Reads a PEM public key, or derives it from a private key (SIGNING_KEY_INVALID otherwise). */
export function readPublicKey(pem: string | Buffer): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (e) {
    throw new SlipwayError(
      'SIGNING_KEY_INVALID',
      `the verification key is not a PEM public key (${(e as Error).message}); export it with \`openssl ec -in key.pem -pubout\``,
    );
  }
}

/** Signs a statement into a Sigstore bundle (the `model.sig` of model_signing). */
export function signStatement(statement: ModelStatement, privateKey: KeyObject): SigstoreBundle {
  const payload = Buffer.from(JSON.stringify(statement, null, 2), 'utf8');
  const sig = sign(ecHash(privateKey), pae(IN_TOTO_PAYLOAD_TYPE, payload), { key: privateKey, dsaEncoding: 'der' });
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: publicKeyHint(privateKey) }, tlogEntries: [] },
    dsseEnvelope: {
      payload: payload.toString('base64'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: sig.toString('base64'), keyid: '' }],
    },
  };
}

const invalid = (why: string): SlipwayError => new SlipwayError('SIGNATURE_INVALID', `the model signature does not verify: ${why}`);

/**
 * Verifies a bundle against a public key and returns its statement: the key hint must match, the DSSE signature must
 * hold, the predicate must be v1.0 and its root digest must match its resources.
 */
export function verifyBundle(bundle: unknown, publicKey: KeyObject): ModelStatement {
  const b = bundle as Partial<SigstoreBundle>;
  const env = b?.dsseEnvelope;
  if (!env || typeof env.payload !== 'string' || !Array.isArray(env.signatures) || typeof env.signatures[0]?.sig !== 'string')
    throw invalid('it is not a Sigstore bundle with a DSSE envelope');
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw invalid(`payload type ${String(env.payloadType)} is not in-toto`);
  const hint = b.verificationMaterial?.publicKey?.hint;
  if (hint && hint !== publicKeyHint(publicKey)) throw invalid('it was signed with another key (the key hint differs)');
  const payload = Buffer.from(env.payload, 'base64');
  const ok = verify(
    ecHash(publicKey),
    pae(env.payloadType, payload),
    { key: publicKey, dsaEncoding: 'der' },
    Buffer.from(env.signatures[0].sig, 'base64'),
  );
  if (!ok) throw invalid('the signature does not match the statement and key');
  let st: ModelStatement;
  try {
    st = JSON.parse(payload.toString('utf8')) as ModelStatement;
  } catch {
    throw invalid('the payload is not JSON');
  }
  if (
    st._type !== STATEMENT_TYPE ||
    st.predicateType !== PREDICATE_TYPE ||
    !Array.isArray(st.predicate?.resources) ||
    st.subject?.length !== 1
  )
    throw invalid(`the statement is not a ${PREDICATE_TYPE} model statement`);
  const files = st.predicate.resources.map((r) => ({ name: r.name, digest: r.digest }));
  if (st.predicate.resources.some((r) => r.algorithm !== 'sha256')) throw invalid('only sha256 resources are supported');
  if (rootDigest(files) !== st.subject[0]!.digest.sha256)
    throw invalid('the manifest is inconsistent (root digest differs from its resources)');
  return st;
}

/** What differs between a signed manifest and the files found (empty when they match). */
export function compareManifest(st: ModelStatement, actual: readonly SignedFile[]): string[] {
  const want = new Map(st.predicate.resources.map((r) => [r.name, r.digest]));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const f of actual) {
    seen.add(f.name);
    const d = want.get(f.name);
    if (d === undefined) problems.push(`${f.name} is not in the signed manifest`);
    else if (d !== f.digest) problems.push(`${f.name} was changed after signing`);
  }
  for (const name of want.keys()) if (!seen.has(name)) problems.push(`${name} is signed but missing`);
  return problems;
}
