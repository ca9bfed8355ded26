// Container image figures for the MNIST CNN (the engine's reference network, seeds 1 and 2 as two model versions):
//  - build time of `slipway build image` with a cached base and app layer into a fresh OCI layout (A), against a
//    rebuild after a new model version into the same layout (B), alternated A B A B A B, with the bytes B writes;
//  - image size and each layer's share (base: this host's node binary and its libraries, as `slipway build base`);
//  - cold start to /v2/health/ready: the unpacked image's files run by the host's node, no container (A), against
//    the image under crun, or runc where crun cannot start containers (B), alternated.
// Needs umoci and crun/runc as root for the cold-start part (skipped with a line otherwise).
// Run: node --import tsx bench/build-image.ts [--rounds 3]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appEntries,
  buildHostBaseImage,
  buildImage,
  loadLayoutBase,
  nativeBinaries,
  slipwayPackageRoot,
  writeOciLayout,
  type ImageModel,
} from '../src/deploy/index.js';
import { saveModel } from '../src/engine/index.js';
import { compileDist } from '../test/helpers/compiled-dist.js';
import { prepareBundle, runContainer, waitReady } from '../test/deploy/container-runtime.js';
import { alternate, median, ratioLine, sideLine } from './alternate.js';
import { mnistCnn } from './mnist-cnn.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 3) || 3;
const work = mkdtempSync(join(tmpdir(), 'slipway-bench-image-'));
const root = slipwayPackageRoot();
const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

try {
  const dist = join(work, 'dist');
  await compileDist(dist);
  const cacheDir = join(work, 'cache');
  const baseImage = await buildHostBaseImage(cacheDir, { extraBinaries: nativeBinaries(appEntries({ root, distDir: dist })) });
  writeOciLayout(join(work, 'base'), baseImage, 'slipway/node:host');
  const models: ImageModel[] = [];
  for (const seed of [1, 2]) {
    const dir = join(work, `mnist-${seed}`);
    await saveModel(mnistCnn(seed), dir);
    models.push({
      name: 'mnist',
      version: seed,
      treeHash: String(seed).repeat(64).slice(0, 64),
      format: 'slipway',
      dir,
      createdAt: Date.UTC(2026, 11, 6),
    });
  }
  const build = (m: ImageModel) =>
    buildImage({ model: m, app: { root, distDir: dist }, base: loadLayoutBase(`${join(work, 'base')}:host`), cacheDir });
  const first = await build(models[0]!); // fills the app layer cache: the rounds below measure the cached path
  let written: number[] = [];
  let round = 0;
  const times = await alternate(
    rounds,
    async () => {
      const out = join(work, `fresh-${round}`);
      const t0 = performance.now();
      writeOciLayout(out, await build(models[0]!), 'mnist:1');
      const ms = performance.now() - t0;
      rmSync(out, { recursive: true, force: true });
      return ms;
    },
    async () => {
      const out = join(work, `rebuild-${round++}`);
      writeOciLayout(out, await build(models[0]!), 'mnist:1');
      const t0 = performance.now();
      const bytes = writeOciLayout(out, await build(models[1]!), 'mnist:2');
      const ms = performance.now() - t0;
      written.push(bytes);
      rmSync(out, { recursive: true, force: true });
      return ms;
    },
  );
  console.log(sideLine('A build image, cached base and app, into a fresh OCI layout', times.a, 'ms'));
  console.log(sideLine('B rebuild after a new model version, into the same layout', times.b, 'ms'));
  console.log(`B/A time: ${ratioLine(times.a, times.b)}`);
  console.log(`B wrote ${median(written)} bytes (model layer ${first.layers.at(-1)!.descriptor.size} B + config + manifest + index)`);
  const total = first.report.reduce((s, l) => s + l.size, 0);
  console.log(`image size (compressed): ${mib(total)}`);
  for (const l of first.report) console.log(`  ${l.role.padEnd(5)} ${mib(l.size).padStart(10)}  ${((l.size / total) * 100).toFixed(1)}%`);

  const tool = (c: string): boolean => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0;
  if (process.getuid?.() !== 0 || !tool('umoci') || !(tool('crun') || tool('runc'))) {
    console.log('cold start: skipped (needs root, umoci and crun or runc)');
  } else {
    const layout = join(work, 'run-layout');
    writeOciLayout(layout, first, 'mnist:1');
    const bundle = join(work, 'bundle');
    spawnSync('umoci', ['unpack', '--image', `${layout}:1`, bundle], { stdio: 'ignore' });
    const port = (): Promise<number> =>
      new Promise((r) => {
        const s = createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => r(p));
        });
      });
    const [rest, grpc] = [await port(), await port()];
    prepareBundle(bundle, rest, grpc);
    // crun 1.8 refuses hybrid cgroup hosts; fall back to runc there and say so.
    let runtime: 'crun' | 'runc' = tool('crun') ? 'crun' : 'runc';
    if (runtime === 'crun') {
      const probe = runContainer('crun', bundle, `bench-probe-${process.pid}`);
      const ok = await waitReady(`http://127.0.0.1:${rest}/v2/health/ready`, probe);
      await probe.stop();
      if (!ok) {
        console.log(`crun cannot run here (${probe.output().trim()}); cold start measured under runc`);
        runtime = 'runc';
      }
    }
    let n = 0;
    const cold = await alternate(
      rounds,
      async () => {
        const t0 = performance.now();
        // The same files the container runs (the unpacked rootfs), started by the host's node without a container.
        const rootfs = join(bundle, 'rootfs');
        const args = [
          join(rootfs, 'app', 'bin', 'slipway.js'),
          'serve',
          join(rootfs, 'models', 'mnist'),
          '--rest-port',
          String(rest),
          '--grpc-port',
          String(grpc),
        ];
        const p = spawn(process.execPath, args, {
          stdio: 'ignore',
          cwd: join(rootfs, 'app'),
          env: { ...process.env, SLIPWAY_NO_PROGRESS: '1' },
        });
        const exited = new Promise((r) => p.once('exit', r));
        const c = { exited: () => p.exitCode !== null, output: () => '', pid: () => p.pid!, id: 'host', stop: async () => undefined };
        const ok = await waitReady(`http://127.0.0.1:${rest}/v2/health/ready`, c);
        const ms = performance.now() - t0;
        p.kill('SIGTERM');
        await exited;
        if (!ok) throw new Error('slipway serve on the host did not become ready');
        return ms;
      },
      async () => {
        const t0 = performance.now();
        const c = runContainer(runtime, bundle, `bench-${process.pid}-${n++}`);
        const ok = await waitReady(`http://127.0.0.1:${rest}/v2/health/ready`, c);
        const ms = performance.now() - t0;
        await c.stop();
        if (!ok) throw new Error(`the container did not become ready: ${c.output()}`);
        return ms;
      },
    );
    console.log(sideLine('A cold start, the image files under the host node, to /v2/health/ready', cold.a, 'ms'));
    console.log(sideLine(`B cold start, the image under ${runtime}, to /v2/health/ready`, cold.b, 'ms'));
    console.log(`B/A cold start: ${ratioLine(cold.a, cold.b)}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
