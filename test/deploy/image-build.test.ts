import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSlipwayError } from '../../src/errors/index.js';
import {
  BlobDir,
  loadBase,
  pushImage,
  writeDockerArchive,
  writeOciArchive,
  writeOciLayout,
  type BuiltImage,
} from '../../src/deploy/index.js';
import { cli } from '../helpers/cli.js';
import { hasTool, imageFixture, run, type ImageFixture } from './image-fixture.js';
import { hasRegistry, REGISTRY_PASSWORD, REGISTRY_USER, startRegistry } from './local-registry.js';
import { startFakeRegistry } from './fake-registry.js';

let fx: ImageFixture;
let v1: BuiltImage;

before(async () => {
  fx = await imageFixture();
  v1 = await fx.build(1);
});
after(() => fx?.cleanup());

const creds = { username: REGISTRY_USER, password: REGISTRY_PASSWORD };

test('the same inputs give the same digest, even with a cold layer cache', async () => {
  const again = await fx.build(1, join(fx.dir, 'cold-cache'));
  assert.equal(again.report.find((l) => l.role === 'app')!.cached, false);
  assert.equal(again.manifestDescriptor.digest, v1.manifestDescriptor.digest);
  assert.deepEqual(
    again.layers.map((l) => l.diffId),
    v1.layers.map((l) => l.diffId),
  );
});

test('a new model version changes only the model layer, and a rebuild writes only that layer', async () => {
  const out = join(fx.dir, 'layout');
  const first = writeOciLayout(out, v1, 'acme/iris:1');
  const v2 = await fx.build(2);
  assert.equal(v2.report.find((l) => l.role === 'app')!.cached, true);
  assert.deepEqual(v2.layers.slice(0, -1), v1.layers.slice(0, -1));
  assert.notEqual(v2.layers.at(-1)!.descriptor.digest, v1.layers.at(-1)!.descriptor.digest);
  const written = writeOciLayout(out, v2, 'acme/iris:2');
  const model = v2.layers.at(-1)!.descriptor.size;
  assert.ok(written < model + v2.configBytes.length + v2.manifestBytes.length + 4096, `rebuild wrote ${written} bytes`);
  assert.ok(first > 10 * written);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: { annotations: Record<string, string> }[] };
  assert.deepEqual(index.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name']).sort(), ['1', '2']);
});

test('the config runs the bundled model as a non-root user with ports, labels and a health check', () => {
  const c = v1.config;
  assert.equal(c.config.User, '10001:10001');
  assert.equal(c.config.WorkingDir, '/app');
  assert.deepEqual(c.config.Entrypoint, [
    'node',
    '--single-threaded-gc',
    '/app/bin/slipway.js',
    'serve',
    '/models/iris',
    '--host',
    '0.0.0.0',
  ]);
  assert.deepEqual(Object.keys(c.config.ExposedPorts ?? {}).sort(), ['8500/tcp', '8501/tcp']);
  const l = c.config.Labels!;
  assert.equal(l['dev.slipway.model.name'], 'iris');
  assert.equal(l['dev.slipway.model.version'], '1');
  assert.match(l['dev.slipway.model.digest']!, /^sha256:[a-f0-9]{64}$/);
  assert.match(l['dev.slipway.healthcheck']!, /\/v2\/health\/ready$/);
  for (const k of ['title', 'version', 'created']) assert.ok(l[`org.opencontainers.image.${k}`], k);
  assert.deepEqual(
    v1.report.map((r) => r.role),
    ['base', 'app', 'model'],
  );
});

test(
  'skopeo inspects and copies the OCI layout and both archives, verifying every digest',
  { skip: !hasTool('skopeo') && 'skopeo is not installed (apt-get install skopeo)' },
  async () => {
    const layout = join(fx.dir, 'skopeo-layout');
    writeOciLayout(layout, v1, 'acme/iris:1');
    const inspected = JSON.parse(run('skopeo', ['inspect', `oci:${layout}:1`])) as {
      Digest: string;
      Labels: Record<string, string>;
      Layers: string[];
    };
    assert.equal(inspected.Digest, v1.manifestDescriptor.digest);
    assert.equal(inspected.Labels['dev.slipway.model.name'], 'iris');
    assert.deepEqual(
      inspected.Layers,
      v1.layers.map((l) => l.descriptor.digest),
    );
    const config = JSON.parse(run('skopeo', ['inspect', '--config', `oci:${layout}:1`])) as { config: { User: string } };
    assert.equal(config.config.User, '10001:10001');
    const ociArchive = join(fx.dir, 'iris.oci.tar');
    const dockerArchive = join(fx.dir, 'iris.docker.tar');
    await writeOciArchive(ociArchive, v1, 'acme/iris:1');
    await writeDockerArchive(dockerArchive, v1, 'acme/iris:1');
    assert.equal(
      (JSON.parse(run('skopeo', ['inspect', `oci-archive:${ociArchive}:1`])) as { Digest: string }).Digest,
      v1.manifestDescriptor.digest,
    );
    const fromDocker = JSON.parse(run('skopeo', ['inspect', '--config', `docker-archive:${dockerArchive}`])) as {
      rootfs: { diff_ids: string[] };
    };
    assert.deepEqual(
      fromDocker.rootfs.diff_ids,
      v1.layers.map((l) => l.diffId),
    );
    // A copy recompresses nothing and checks each blob against its digest (and the docker archive's layers against the diff IDs).
    run('skopeo', ['copy', '--quiet', `oci:${layout}:1`, `oci:${join(fx.dir, 'copy')}:1`]);
    run('skopeo', ['copy', '--quiet', `docker-archive:${dockerArchive}`, `oci:${join(fx.dir, 'copy-docker')}:1`]);
  },
);

test(
  'push to a real registry over the distribution API with basic auth, and pull it back as a base',
  { skip: !hasRegistry() && 'docker-registry is not installed (apt-get install docker-registry)' },
  async () => {
    const rdir = join(fx.dir, 'registry');
    mkdirSync(rdir);
    const reg = await startRegistry(rdir);
    try {
      const ref = `${reg.host}/acme/iris:1`;
      await assert.rejects(pushImage(ref, v1), (e) => isSlipwayError(e, 'REGISTRY_UNAUTHORIZED'));
      await assert.rejects(pushImage(ref, v1, { credentials: { username: REGISTRY_USER, password: 'wrong' } }), (e) =>
        isSlipwayError(e, 'REGISTRY_UNAUTHORIZED'),
      );
      // Refused pushes leave no tag behind.
      await assert.rejects(loadBase(ref, new BlobDir(join(fx.dir, 'pull0')), { credentials: creds }), (e) =>
        isSlipwayError(e, 'IMAGE_BASE_NOT_FOUND'),
      );
      const pushed = await pushImage(ref, v1, { credentials: creds });
      assert.equal(pushed.digest, v1.manifestDescriptor.digest);
      const again = await pushImage(ref, v1, { credentials: creds });
      assert.equal(again.sent, v1.manifestBytes.length, 'blobs the registry has are not sent again');
      if (hasTool('skopeo')) {
        const inspected = JSON.parse(
          run('skopeo', ['inspect', '--tls-verify=false', '--creds', `${REGISTRY_USER}:${REGISTRY_PASSWORD}`, `docker://${ref}`]),
        ) as { Digest: string };
        assert.equal(inspected.Digest, v1.manifestDescriptor.digest);
      }
      const cache = new BlobDir(join(fx.dir, 'pull'));
      const base = await loadBase(ref, cache, { credentials: creds });
      assert.equal(base.manifestDigest, v1.manifestDescriptor.digest);
      assert.deepEqual(
        base.layers.map((l) => l.diffId),
        v1.layers.map((l) => l.diffId),
      );
      for (const l of base.layers) assert.ok(cache.has(l.descriptor.digest));
    } finally {
      await reg.stop();
    }
  },
);

test('bearer tokens are fetched from the realm the registry names', async () => {
  const fake = await startFakeRegistry({ bearer: { username: 'robot', password: 'pw' } });
  try {
    await assert.rejects(pushImage(`${fake.host}/acme/iris:1`, v1), (e) => isSlipwayError(e, 'REGISTRY_UNAUTHORIZED'));
    const pushed = await pushImage(`${fake.host}/acme/iris:1`, v1, { credentials: { username: 'robot', password: 'pw' } });
    assert.equal(pushed.digest, v1.manifestDescriptor.digest);
    assert.ok(fake.requests.includes('GET /token'));
    assert.deepEqual(fake.manifests.get('1'), v1.manifestBytes);
  } finally {
    await fake.close();
  }
});

test('a registry answering 404 or 500 fails the push with its code and leaves no tag', async () => {
  for (const [status, code] of [
    [404, 'REGISTRY_NOT_FOUND'],
    [500, 'REGISTRY_FAILED'],
  ] as const) {
    const fake = await startFakeRegistry({ failWith: status });
    try {
      await assert.rejects(pushImage(`${fake.host}/acme/iris:1`, v1), (e) => isSlipwayError(e, code));
      assert.equal(fake.manifests.size, 0);
    } finally {
      await fake.close();
    }
  }
});

test('slipway build image: the CLI builds the same digest; bad input gets codes and leaves no image', () => {
  const env = { SLIPWAY_CACHE_DIR: join(fx.cacheDir, '..') };
  const base = `oci:${fx.baseDir}:host`;
  const out = join(fx.dir, 'cli-out');
  const ok = cli(
    ['build', 'image', 'iris@1', '--tag', 'acme/iris:1', '--base', base, '--output', `oci:${out}`, '--dist', fx.dist, '--json'],
    { cwd: fx.workspace, env },
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as { digest: string }).digest, v1.manifestDescriptor.digest);
  const bad = (args: string[], code: string): void => {
    const dest = join(fx.dir, `bad-${code}`);
    const r = cli(['build', 'image', ...args, '--output', `oci:${dest}`, '--dist', fx.dist], { cwd: fx.workspace, env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`error\\[${code}\\]`));
    assert.equal(existsSync(dest), false, 'no partial image is left');
  };
  bad(['nosuch@1', '--tag', 'acme/x:1', '--base', base], 'MODEL_NOT_FOUND');
  bad(['iris@1', '--tag', 'Acme/Iris:1', '--base', base], 'IMAGE_REF_INVALID');
  bad(['iris@1', '--tag', 'acme/iris:1', '--base', `oci:${join(fx.dir, 'no-such-base')}`], 'IMAGE_BASE_NOT_FOUND');
});
