import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { checkoutModelVersion } from '../registry/index.js';
import {
  appEntries,
  BlobDir,
  buildHostBaseImage,
  buildImage,
  displayName,
  dockerConfigCredentials,
  loadBase,
  nativeBinaries,
  parseImageOutput,
  parseImageRef,
  parseImageTag,
  pushImage,
  slipwayPackageRoot,
  writeImageOutput,
  writeDockerContext,
  type RegistryClientOptions,
} from '../deploy/index.js';
import { runCommand } from './run-command.js';
import { formatBytes, printJson, style, table } from './output.js';
import type { CliContext } from './context.js';

interface ImageFlags {
  tag: string;
  base: string;
  output?: string;
  push?: string;
  creds?: string;
  plainHttp?: boolean;
  dist?: string;
  json?: boolean;
}

/** Registry options for `host`: --creds, else the docker config file's entry, plus --plain-http. */
function registryOptions(ctx: CliContext, flags: { creds?: string; plainHttp?: boolean }, host: string): RegistryClientOptions {
  let credentials;
  if (flags.creds) {
    const i = flags.creds.indexOf(':');
    if (i <= 0) throw new SlipwayError('USAGE', '--creds must be USER:PASSWORD');
    credentials = { username: flags.creds.slice(0, i), password: flags.creds.slice(i + 1) };
  } else credentials = dockerConfigCredentials(join(ctx.settings.dockerConfigDir, 'config.json'), host);
  return { credentials, plainHttp: flags.plainHttp };
}

/** `slipway build image MODEL --tag NAME:TAG`: an OCI image of the model server with the model bundled, without a daemon. */
async function buildImageCommand(ctx: CliContext, modelRef: string, flags: ImageFlags): Promise<number> {
  const tag = flags.tag;
  parseImageTag(tag);
  const pushRef = flags.push;
  if (pushRef) parseImageTag(pushRef);
  const output = flags.output || !pushRef ? parseImageOutput(flags.output ?? `oci:${join(ctx.workspace().stateDir, 'images')}`) : undefined;
  const cacheDir = join(ctx.settings.cacheDir, 'oci');
  const db = await ctx.db();
  const started = Date.now();
  const checkout = mkdtempSync(join(ctx.workspace().stateDir, 'tmp-image-model-'));
  try {
    const mv = await checkoutModelVersion(db, ctx.store(), modelRef, checkout);
    const baseHost = flags.base.startsWith('oci:') ? '' : parseImageRef(flags.base).registry;
    const base = await loadBase(flags.base, new BlobDir(cacheDir), registryOptions(ctx, flags, baseHost));
    const root = slipwayPackageRoot();
    const image = await buildImage({
      model: {
        name: mv.name,
        version: mv.version,
        treeHash: mv.treeHash,
        format: mv.format,
        dir: checkout,
        createdAt: mv.createdAt,
        revision: mv.lineage.run?.commit ?? undefined,
      },
      app: { root, distDir: flags.dist },
      base,
      cacheDir,
    });
    const written = output ? await writeImageOutput(output, image, tag) : 0;
    const pushed = pushRef ? await pushImage(pushRef, image, registryOptions(ctx, flags, parseImageRef(pushRef).registry)) : undefined;
    const total = image.report.reduce((s, l) => s + l.size, 0);
    const result = {
      model: `${mv.name}@${mv.version}`,
      tag: displayName(tag),
      digest: image.manifestDescriptor.digest,
      output: flags.output ?? (output ? `oci:${output.kind === 'oci' ? output.dir : ''}` : undefined),
      pushed: pushRef ? { ref: pushRef, digest: pushed!.digest, bytesSent: pushed!.sent } : undefined,
      bytesWritten: written,
      seconds: (Date.now() - started) / 1000,
      layers: image.report.map((l) => ({ ...l, share: l.size / total })),
      size: total,
    };
    if (flags.json) printJson(result);
    else {
      process.stdout.write(`${style.green('built')} ${result.tag} (${result.model}) ${result.digest}\n`);
      process.stdout.write(
        `${table(
          ['layer', 'digest', 'size', 'share', 'cached'],
          result.layers.map((l) => [
            l.role,
            l.digest.slice(7, 19),
            formatBytes(l.size),
            `${(l.share * 100).toFixed(1)}%`,
            l.cached ? 'yes' : 'no',
          ]),
        )}\n`,
      );
      if (output) process.stdout.write(`wrote ${formatBytes(written)} to ${result.output}\n`);
      if (pushed) process.stdout.write(`pushed ${pushRef} ${pushed.digest} (${formatBytes(pushed.sent)} sent)\n`);
    }
    return 0;
  } finally {
    rmSync(checkout, { recursive: true, force: true });
  }
}

/** `slipway build <image|base|dockerfile>`: container images of a model server. */
export function registerBuild(program: Command): void {
  const build = program.command('build').description('build container images of the model server, without a Docker daemon');
  build
    .command('image <model>')
    .description('build an OCI image that serves MODEL (NAME, NAME:ALIAS or NAME@N): base, app and model layers')
    .requiredOption('--tag <name:tag>', 'image name and tag, e.g. acme/mnist:3')
    .option('--base <ref>', 'base image: a registry reference or oci:DIR[:TAG]', 'docker.io/library/node:20-slim')
    .option('--output <dest>', 'oci:DIR, oci-archive:FILE or docker-archive:FILE (default oci:.slipway/images unless --push)')
    .option('--push <ref>', 'push to a registry: HOST[:PORT]/REPO:TAG')
    .option('--creds <user:password>', 'registry credentials (default: ~/.docker/config.json)')
    .option('--plain-http', 'talk HTTP, not HTTPS, to registries (always on for localhost)')
    .option('--dist <dir>', 'compiled JavaScript to ship (default: the package dist/)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
The image runs \`slipway serve\` on the bundled model as uid 10001: REST on 8501 (/v2/health/ready), gRPC on 8500.
The same inputs give the same digest; a new model version changes only the last layer.
Examples:
  slipway build image mnist@3 --tag acme/mnist:3 --output oci:./image
  slipway build image mnist:production --tag acme/mnist:prod --base oci:./node-base --output docker-archive:mnist.tar
  slipway build image mnist@3 --tag acme/mnist:3 --push registry.example.com/acme/mnist:3 --creds ci:$TOKEN
  skopeo inspect oci:./image:3`,
    )
    .action((model: string, flags: ImageFlags) => runCommand((ctx) => buildImageCommand(ctx, model, flags)));
  build
    .command('dockerfile <model>')
    .description('write a Docker build context for MODEL: a multi-stage Dockerfile, .dockerignore, app/ and model/')
    .option('-o, --output <dir>', 'the build context folder', 'docker')
    .option('--base <ref>', 'base image of both stages', 'node:20-slim')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
For teams that build with Docker/BuildKit: the image has the same contents as \`slipway build image\` (non-root
uid 10001, ports 8500/8501, HEALTHCHECK on /v2/health/ready).
Example:
  slipway build dockerfile mnist@3 -o docker/ && docker build -t acme/mnist:3 docker/`,
    )
    .action((model: string, flags: { output: string; base: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        parseImageRef(flags.base);
        const dir = resolve(flags.output);
        const checkout = mkdtempSync(join(ctx.workspace().stateDir, 'tmp-docker-model-'));
        try {
          const mv = await checkoutModelVersion(await ctx.db(), ctx.store(), model, checkout);
          const files = writeDockerContext(
            dir,
            {
              name: mv.name,
              version: mv.version,
              treeHash: mv.treeHash,
              format: mv.format,
              dir: checkout,
              createdAt: mv.createdAt,
              revision: mv.lineage.run?.commit ?? undefined,
            },
            slipwayPackageRoot(),
            flags.base,
          );
          if (flags.json) printJson({ model: `${mv.name}@${mv.version}`, dir, files });
          else
            process.stdout.write(
              `${style.green('wrote')} ${dir}: ${files.join(', ')}\nbuild it with: docker build -t IMAGE ${flags.output}\n`,
            );
          return 0;
        } finally {
          rmSync(checkout, { recursive: true, force: true });
        }
      }),
    );
  build
    .command('base')
    .description("build a minimal Node.js base image from this host's node binary and the shared libraries it loads")
    .option('--output <dest>', 'oci:DIR, oci-archive:FILE or docker-archive:FILE', 'oci:node-base')
    .option('--tag <name:tag>', 'image name and tag', `slipway/node:${process.versions.node}`)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
For air-gapped builds: the base carries /usr/local/bin/node, the libraries it and the app's native addons need,
/etc/passwd with the image user (10001) and /tmp.
Example:
  slipway build base --output oci:./node-base && slipway build image mnist@3 --tag acme/mnist:3 --base oci:./node-base`,
    )
    .action((flags: { output: string; tag: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        parseImageTag(flags.tag);
        const out = parseImageOutput(flags.output);
        const root = slipwayPackageRoot();
        let addons: string[] = [];
        try {
          addons = nativeBinaries(appEntries({ root }));
        } catch {
          // Without a built dist the addons are still the package's: the base only needs their libraries.
        }
        const image = await buildHostBaseImage(join(ctx.settings.cacheDir, 'oci'), { extraBinaries: addons });
        const written = await writeImageOutput(out, image, flags.tag);
        const result = {
          tag: displayName(flags.tag),
          digest: image.manifestDescriptor.digest,
          output: flags.output,
          size: image.report[0]!.size,
          bytesWritten: written,
        };
        if (flags.json) printJson(result);
        else
          process.stdout.write(`${style.green('built')} ${result.tag} ${result.digest} (${formatBytes(result.size)}) → ${flags.output}\n`);
        return 0;
      }),
    );
}
