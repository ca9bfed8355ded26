import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import {
  addDataset,
  deleteDatasetVersions,
  checkoutDataset,
  diffDatasetVersions,
  getDatasetVersion,
  listDatasetVersions,
  listLatestDatasetVersions,
  parseDatasetRef,
  type DatasetVersion,
} from '../data/index.js';
import {
  closureOf,
  openRemote,
  readTree,
  openStatCache,
  pickRemote,
  pullClosure,
  pushObjects,
  walkReachable,
  type LinkType,
} from '../store/index.js';
import { exportPointers, remoteStatus } from '../sharing/index.js';
import { SlipwayError } from '../errors/index.js';
import type { CliContext } from './context.js';
import { formatBytes, printJson, style, table } from './output.js';
import { progress } from './progress.js';
import { runCommand } from './run-command.js';
import { formatTime, renderDatasetDiff, renderDatasetVersion } from './data-render.js';

/** Resolves refs to versions; no refs → every version of every dataset. */
async function versionsFor(ctx: CliContext, refs: readonly string[]): Promise<DatasetVersion[]> {
  const db = await ctx.db();
  if (refs.length > 0) {
    const out: DatasetVersion[] = [];
    for (const r of refs) {
      const ref = parseDatasetRef(r);
      // A bare name means every version of that dataset; getDatasetVersion reports an unknown name.
      const all = ref.version === undefined ? await listDatasetVersions(db, ref.name) : [];
      out.push(...(all.length > 0 ? all : [await getDatasetVersion(db, ref)]));
    }
    return out;
  }
  const out: DatasetVersion[] = [];
  for (const l of await listLatestDatasetVersions(db)) out.push(...(await listDatasetVersions(db, l.name)));
  return out;
}

/** `slipway data …`: version datasets, inspect, compare, check out, push and pull them. */
export function registerData(program: Command): void {
  const data = program.command('data').description('version datasets (files or folders) and move them between workspaces and remotes');
  dataAdd(data);
  dataList(data);
  dataShow(data);
  dataDiff(data);
  dataCheckout(data);
  dataPush(data);
  dataPull(data);
  dataStatus(data);
  dataRemove(data);
}

/** `slipway data add`: store PATH (a file or folder) as the next version of dataset NAME; prints NAME@N. */
function dataAdd(data: Command): void {
  data
    .command('add <path>')
    .description('store PATH (a file or folder) as the next version of dataset NAME; prints NAME@N')
    .requiredOption('-n, --name <name>', 'dataset name')
    .option('-m, --message <msg>', 'what changed')
    .option('--json', 'print the version as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  slipway data add data/mnist --name mnist -m "t10k split"\n  slipway data add breast_cancer.csv --name cancer',
    )
    .action((path: string, opts: { name: string; message?: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        const db = await ctx.db();
        const cache = openStatCache(join(ctx.workspace().stateDir, 'stat-cache.db'));
        const hashBar = progress('hashing', 0);
        let storeBar: ReturnType<typeof progress> | undefined;
        try {
          const r = await addDataset(db, ctx.store(), {
            path: resolve(ctx.cwd, path),
            name: opts.name,
            message: opts.message,
            statCache: cache,
            onHashProgress: (done, total) => {
              hashBar.setTotal(total);
              hashBar.update(done);
            },
            onStoreProgress: (done, total) => {
              storeBar ??= progress('storing', total);
              storeBar.update(done);
            },
          });
          hashBar.stop();
          storeBar?.stop();
          for (const sk of r.skipped) process.stderr.write(style.yellow(`warning: not added: ${sk.path} (${sk.reason})\n`));
          if (opts.json) printJson({ ...r.version, created: r.created, hashed: r.hashed, skipped: r.skipped });
          else {
            process.stdout.write(`${r.version.name}@${r.version.version}\n`);
            if (!r.created)
              process.stderr.write(style.dim(`unchanged: ${r.version.name}@${r.version.version} already holds this content\n`));
          }
        } finally {
          hashBar.stop();
          storeBar?.stop();
          cache.close();
        }
      }),
    );
}

/** `slipway data list`: list datasets with their latest version. */
function dataList(data: Command): void {
  data
    .command('list')
    .description('list datasets with their latest version')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      runCommand(async (ctx) => {
        const rows = await listLatestDatasetVersions(await ctx.db());
        if (opts.json) return printJson(rows.map(({ profile: _p, ...r }) => r));
        if (rows.length === 0) return void process.stdout.write('no datasets yet; add one with `slipway data add PATH --name NAME`\n');
        process.stdout.write(
          `${table(
            ['dataset', 'latest', 'versions', 'files', 'bytes', 'created', 'message'],
            rows.map((r) => [r.name, `@${r.version}`, r.versions, r.files, formatBytes(r.bytes), formatTime(r.createdAt), r.message ?? '']),
          )}\n`,
        );
      }),
    );
}

/** `slipway data show`: show a dataset version (NAME@N, or NAME for the latest): files, bytes, tree hash and profile. */
function dataShow(data: Command): void {
  data
    .command('show <ref>')
    .description('show a dataset version (NAME@N, or NAME for the latest): files, bytes, tree hash and profile')
    .option('--json', 'print JSON')
    .option('--files', 'also list every file with its object hash')
    .addHelpText('after', '\nExamples:\n  slipway data show mnist\n  slipway data show cancer@2 --json')
    .action((ref: string, opts: { json?: boolean; files?: boolean }) =>
      runCommand(async (ctx) => {
        const db = await ctx.db();
        const v = await getDatasetVersion(db, ref);
        const entries = opts.files || opts.json ? readTree(ctx.store(), v.treeHash).entries : [];
        if (opts.json) return printJson({ ...v, entries });
        process.stdout.write(`${renderDatasetVersion(v, await listDatasetVersions(db, v.name))}\n`);
        if (opts.files)
          process.stdout.write(
            `\n${table(
              ['path', 'size', 'object'],
              entries.map((e) => [e.path, e.size, e.hash]),
            )}\n`,
          );
      }),
    );
}

/** `slipway data diff`: compare two dataset versions: files added, removed and changed, and profile deltas. */
function dataDiff(data: Command): void {
  data
    .command('diff <a> <b>')
    .description('compare two dataset versions: files added, removed and changed, and profile deltas')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  slipway data diff cancer@1 cancer@2')
    .action((a: string, b: string, opts: { json?: boolean }) =>
      runCommand(async (ctx) => {
        const db = await ctx.db();
        const d = diffDatasetVersions(ctx.store(), await getDatasetVersion(db, a), await getDatasetVersion(db, b));
        if (opts.json) printJson(d);
        else process.stdout.write(`${renderDatasetDiff(d)}\n`);
      }),
    );
}

/** `slipway data checkout`. */
function dataCheckout(data: Command): void {
  data
    .command('checkout <ref> <dir>')
    .description('write a dataset version into DIR as independent files (reflink, else copy; store.link in slipway.yaml opts into links)')
    .option('--copy', 'independent files even when store.link configures links')
    .option('--json', 'print the version as JSON')
    .addHelpText('after', '\nExample:\n  slipway data checkout mnist@1 work/mnist')
    .action((ref: string, dir: string, opts: { copy?: boolean; json?: boolean }) =>
      runCommand(async (ctx) => {
        const link: LinkType[] | undefined = opts.copy ? ['reflink', 'copy'] : ctx.config().store?.link;
        const v = await checkoutDataset(await ctx.db(), ctx.store(), ref, resolve(ctx.cwd, dir), { link });
        if (opts.json) printJson(v);
        else process.stdout.write(`${v.name}@${v.version} → ${dir} (${v.files} files, ${formatBytes(v.bytes)})\n`);
      }),
    );
}

/** `slipway data push`: send dataset versions (default: all) to a remote; only missing objects travel. */
function dataPush(data: Command): void {
  data
    .command('push [refs...]')
    .description('send dataset versions (default: all) to a remote; only missing objects travel')
    .option('-r, --remote <name>', 'remote name (default: the only one, or origin)')
    .option('-j, --jobs <n>', 'objects in flight at once', '8')
    .option('--json', 'print a JSON report')
    .addHelpText('after', '\nExamples:\n  slipway data push\n  slipway data push mnist@2 -r backup')
    .action((refs: string[], opts: { remote?: string; jobs: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        const target = pickRemote(ctx.config().remotes, opts.remote);
        const remote = openRemote(target.url, ctx.workspace().root, { s3: ctx.settings.s3 });
        const versions = await versionsFor(ctx, refs);
        const hashes = closureOf(
          ctx.store(),
          versions.map((v) => v.treeHash),
        );
        const bar = progress('pushing', 0);
        const r = await pushObjects(ctx.store(), remote, hashes, {
          concurrency: Math.max(1, Number(opts.jobs) || 8),
          onProgress: (d, t) => {
            bar.setTotal(t);
            bar.update(d);
          },
        }).finally(() => bar.stop());
        if (opts.json) printJson({ remote: target.name, versions: versions.map((v) => `${v.name}@${v.version}`), ...r });
        else
          process.stdout.write(`pushed ${r.transferred} objects (${formatBytes(r.bytes)}) to ${target.name}; ${r.skipped} already there\n`);
      }),
    );
}

/** `slipway data pull`: fetch the objects of dataset versions (default: all known) from a remote; only missing objects travel. */
function dataPull(data: Command): void {
  data
    .command('pull [refs...]')
    .description('fetch the objects of dataset versions (default: all known) from a remote; only missing objects travel')
    .option('-r, --remote <name>', 'remote name (default: the only one, or origin)')
    .option('-j, --jobs <n>', 'objects in flight at once', '8')
    .option('--json', 'print a JSON report')
    .action((refs: string[], opts: { remote?: string; jobs: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        const target = pickRemote(ctx.config().remotes, opts.remote);
        const remote = openRemote(target.url, ctx.workspace().root, { s3: ctx.settings.s3 });
        const versions = await versionsFor(ctx, refs);
        const bar = progress('pulling', 0);
        const r = await pullClosure(
          ctx.store(),
          remote,
          versions.map((v) => v.treeHash),
          {
            concurrency: Math.max(1, Number(opts.jobs) || 8),
            onProgress: (d, t) => {
              bar.setTotal(t);
              bar.update(d);
            },
          },
        ).finally(() => bar.stop());
        if (opts.json) printJson({ remote: target.name, versions: versions.map((v) => `${v.name}@${v.version}`), ...r });
        else
          process.stdout.write(
            `pulled ${r.transferred} objects (${formatBytes(r.bytes)}) from ${target.name}; ${r.skipped} already here\n`,
          );
      }),
    );
}

/** `slipway data status`: show which dataset versions are complete in the local store and, with --remote, on a remote. */
function dataStatus(data: Command): void {
  data
    .command('status [refs...]')
    .description('show which dataset versions are complete in the local store and, with --remote, on a remote')
    .option('-c, --remote [name]', 'also compare with a remote (default: the only one, or origin)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  slipway data status\n  slipway data status cancer --remote origin')
    .action((refs: string[], opts: { remote?: string | boolean; json?: boolean }) =>
      runCommand(async (ctx) => {
        const versions = await versionsFor(ctx, refs);
        const store = ctx.store();
        let remoteMissing: Map<string, number> | undefined;
        if (opts.remote !== undefined) {
          const target = pickRemote(ctx.config().remotes, typeof opts.remote === 'string' ? opts.remote : undefined);
          const remote = openRemote(target.url, ctx.workspace().root, { s3: ctx.settings.s3 });
          const entries = await remoteStatus(await ctx.db(), store, remote, ctx.workspace().root);
          remoteMissing = new Map(
            entries.filter((e) => e.kind === 'dataset').map((e) => [e.label.slice('dataset '.length), e.missingRemote]),
          );
        }
        const rows = versions.map((v) => {
          const ref = `${v.name}@${v.version}`;
          const missingLocal = walkReachable(store, new Map([[v.treeHash, [ref]]])).missing.size;
          return {
            ref,
            files: v.files,
            bytes: v.bytes,
            missingLocal,
            ...(remoteMissing ? { missingRemote: remoteMissing.get(ref) ?? 0 } : {}),
          };
        });
        if (opts.json) return printJson(rows);
        if (rows.length === 0) return void process.stdout.write('no datasets yet; add one with `slipway data add PATH --name NAME`\n');
        const head = ['dataset', 'files', 'bytes', 'local', ...(remoteMissing ? ['remote'] : [])];
        process.stdout.write(
          `${table(
            head,
            rows.map((r) => [
              r.ref,
              r.files,
              formatBytes(r.bytes),
              r.missingLocal === 0 ? 'complete' : `${r.missingLocal} missing (slipway pull)`,
              ...(r.missingRemote === undefined ? [] : [r.missingRemote === 0 ? 'pushed' : `${r.missingRemote} not pushed`]),
            ]),
          )}\n`,
        );
      }),
    );
}

/** `remove`. */
function dataRemove(data: Command): void {
  data
    .command('remove <ref>')
    .description(
      'remove a dataset version (NAME@N) or a whole dataset (NAME --all) from the index and its pointer file; `slipway gc` frees the objects later',
    )
    .option('--all', 'remove every version of NAME')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  slipway data remove cancer@1\n  slipway data remove scratch --all')
    .action((ref: string, opts: { all?: boolean; json?: boolean }) =>
      runCommand(async (ctx) => {
        const r = parseDatasetRef(ref);
        if (r.version === undefined && !opts.all)
          throw new SlipwayError('USAGE', `give a version (${r.name}@N) or pass --all to remove every version of ${r.name}`, { ref });
        const db = await ctx.db();
        await getDatasetVersion(db, r.version === undefined ? r.name : ref);
        const n = await deleteDatasetVersions(db, r.name, r.version);
        // The pointer file follows (and goes when no version is left); commit the change.
        await exportPointers(db, ctx.workspace().root, { prune: true });
        if (opts.json) printJson({ removed: n, dataset: r.name, version: r.version ?? null });
        else process.stdout.write(`removed ${n} version(s) of ${r.name}; run \`slipway gc\` to free unreferenced objects\n`);
      }),
    );
}
