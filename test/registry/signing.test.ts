import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../src/meta/index.js';
import { openObjectStore } from '../../src/store/index.js';
import {
  checkoutModelVersion,
  readPublicKey,
  registerModel,
  signModelVersion,
  verifyModelFolder,
  verifyModelVersion,
} from '../../src/registry/index.js';
import { isSlipwayError } from '../../src/errors/index.js';
import { FIXTURES, tempWorkspace } from '../helpers/temp-workspace.js';
import { iris, trainSoftmax, writeDenseModel } from './fixtures.js';
import { cli } from '../helpers/cli.js';

const VECTOR = join(FIXTURES, 'model-signing', 'v1.1.0-elliptic-key');
const VECTOR_KEY = readPublicKey(readFileSync(join(FIXTURES, 'model-signing', 'signing-key-pub.pem')));

test("model-transparency's published v1.1.0 elliptic-key vector verifies (ignore-me ignored), and fails once a file changes", () => {
  const bundle = JSON.parse(readFileSync(join(VECTOR, 'model.sig'), 'utf8')) as unknown;
  const r = verifyModelFolder(VECTOR, bundle, VECTOR_KEY, ['ignore-me']);
  assert.equal(r.files, 2);
  assert.equal(r.root, '92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4');
  const copy = mkdtempSync(join(tmpdir(), 'slipway-sig-'));
  try {
    cpSync(VECTOR, copy, { recursive: true });
    writeFileSync(join(copy, 'signme-1'), 'tampered');
    assert.throws(
      () => verifyModelFolder(copy, bundle, VECTOR_KEY),
      (e) => isSlipwayError(e, 'SIGNATURE_INVALID'),
    );
    // A statement edited in the bundle no longer matches the signature.
    const edited = JSON.parse(JSON.stringify(bundle)) as { dsseEnvelope: { payload: string } };
    const st = JSON.parse(Buffer.from(edited.dsseEnvelope.payload, 'base64').toString()) as {
      predicate: { resources: { digest: string }[] };
    };
    st.predicate.resources[0]!.digest = 'ab'.repeat(32);
    edited.dsseEnvelope.payload = Buffer.from(JSON.stringify(st)).toString('base64');
    assert.throws(
      () => verifyModelFolder(VECTOR, edited, VECTOR_KEY),
      (e) => isSlipwayError(e, 'SIGNATURE_INVALID'),
    );
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('a version signed with a P-256 key verifies; the checkout plus model.sig verifies as a model_signing folder; other keys and changed files fail', async () => {
  const t = tempWorkspace();
  const db = await openDb({ sqlitePath: t.ws.dbPath });
  const store = openObjectStore(t.ws.objectsDir);
  try {
    const d = iris();
    const dir = writeDenseModel(join(t.dir, 'm'), trainSoftmax(d, 4, 3, 3), { features: 4, classes: 3 });
    await registerModel(db, store, { name: 'fraud', from: { path: dir } });
    await registerModel(db, store, { name: 'fraud', from: { path: dir } });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    await assert.rejects(verifyModelVersion(db, store, 'fraud@1', [publicKey]), (e) => isSlipwayError(e, 'SIGNATURE_MISSING'));
    const signed = await signModelVersion(db, store, 'fraud@1', privateKey, { actor: 'test' });
    assert.equal(signed.bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(signed.bundle.dsseEnvelope.payloadType, 'application/vnd.in-toto+json');
    assert.equal(signed.statement.predicateType, 'https://model_signing/signature/v1.0');
    const ok = await verifyModelVersion(db, store, 'fraud@1', [other, publicKey]);
    assert.ok(ok.files >= 2);
    await assert.rejects(verifyModelVersion(db, store, 'fraud@1', [other]), (e) => isSlipwayError(e, 'SIGNATURE_INVALID'));
    await assert.rejects(verifyModelVersion(db, store, 'fraud@2', [publicKey]), (e) => isSlipwayError(e, 'SIGNATURE_MISSING'));
    // The same bundle checks a checked-out folder, as `model_signing verify key --signature model.sig` would.
    const out = join(t.dir, 'out');
    await checkoutModelVersion(db, store, 'fraud@1', out);
    writeFileSync(join(out, 'model.sig'), JSON.stringify(signed.bundle));
    assert.equal(verifyModelFolder(out, signed.bundle, publicKey, ['model.sig']).files, ok.files);
    rmSync(join(out, 'model.sig'));
    await verifyModelVersion(db, store, 'fraud@1', [publicKey], { dir: out });
    writeFileSync(join(out, 'weights.bin'), 'x');
    await assert.rejects(verifyModelVersion(db, store, 'fraud@1', [publicKey], { dir: out }), (e) =>
      isSlipwayError(e, 'SIGNATURE_INVALID'),
    );
    const audit = await db.get<{ action: string }>(`SELECT action FROM audit_chain WHERE action = 'model.sign'`);
    assert.equal(audit?.action, 'model.sign');
  } finally {
    await db.close();
    t.cleanup();
  }
});

test('CLI: models verify --dir checks the published vector (exit 0) and a changed copy (exit 1); models sign/verify a version', async () => {
  const t = tempWorkspace();
  try {
    const key = join(FIXTURES, 'model-signing', 'signing-key-pub.pem');
    const ok = cli(
      [
        'models',
        'verify',
        '--dir',
        VECTOR,
        '--signature',
        join(VECTOR, 'model.sig'),
        '--key',
        key,
        '--ignore-paths',
        'ignore-me',
        '--json',
      ],
      { cwd: t.dir },
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).files, 2);
    const copy = join(t.dir, 'copy');
    cpSync(VECTOR, copy, { recursive: true });
    writeFileSync(join(copy, 'signme-2'), 'changed');
    const bad = cli(['models', 'verify', '--dir', copy, '--signature', join(copy, 'model.sig'), '--key', key], { cwd: t.dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /SIGNATURE_INVALID/);
    const d = iris();
    writeDenseModel(join(t.dir, 'm'), trainSoftmax(d, 4, 3, 3), { features: 4, classes: 3 });
    assert.equal(cli(['models', 'register', 'fraud', '--from', 'm'], { cwd: t.dir }).code, 0);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(t.dir, 'k.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(t.dir, 'k.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const signed = cli(['models', 'sign', 'fraud@1', '--key', 'k.pem', '--out', 'model.sig'], { cwd: t.dir });
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal(cli(['models', 'verify', 'fraud@1', '--key', 'k.pub'], { cwd: t.dir }).code, 0);
    assert.equal(JSON.parse(readFileSync(join(t.dir, 'model.sig'), 'utf8')).dsseEnvelope.payloadType, 'application/vnd.in-toto+json');
  } finally {
    t.cleanup();
  }
});
