import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { SlipwayError } from '../errors/index.js';
import { readPrivateKey, readPublicKey, signModelVersion, verifyModelFolder, verifyModelVersion } from '../registry/index.js';
import { localActor } from './auth.js';
import { printJson, style } from './output.js';
import { runCommand } from './run-command.js';

function readKeyFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new SlipwayError('SIGNING_KEY_INVALID', `cannot read the key file ${path}`);
  }
}

/** `slipway models sign|verify`: OpenSSF model-signing bundles (DSSE + in-toto file manifest) with a private key. */
export function registerModelSigning(models: Command): void {
  models
    .command('sign <ref>')
    .description('sign a model version (OpenSSF model-signing: in-toto manifest of file sha256s, DSSE, Sigstore bundle)')
    .requiredOption('--key <pem>', 'elliptic-curve private key (P-256/384/521, PEM)')
    .option('--passphrase-env <var>', 'environment variable holding the key passphrase')
    .option('--out <file>', 'also write the bundle (model.sig) to this file')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  openssl ecparam -name prime256v1 -genkey -noout -out release.pem && openssl ec -in release.pem -pubout -out release.pub
  slipway models sign fraud@3 --key release.pem --out model.sig
  slipway models verify fraud@3 --key release.pub
  # serving.require_signature: true and serving.signature_keys: [release.pub] make \`slipway serve\` refuse unsigned versions`,
    )
    .action((ref: string, o: { key: string; passphraseEnv?: string; out?: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        const key = readPrivateKey(readKeyFile(o.key), o.passphraseEnv ? process.env[o.passphraseEnv] : undefined);
        const r = await signModelVersion(await ctx.db(), ctx.store(), ref, key, { actor: localActor(), source: 'cli' });
        if (o.out) writeFileSync(o.out, `${JSON.stringify(r.bundle, null, 2)}\n`);
        if (o.json) return printJson({ name: r.name, version: r.version, root: r.statement.subject[0]!.digest.sha256, bundle: r.bundle });
        process.stdout.write(
          `${style.green('signed')} ${r.name}@${r.version}: ${r.statement.predicate.resources.length} files, root ${r.statement.subject[0]!.digest.sha256}${o.out ? `, bundle in ${o.out}` : ''}\n`,
        );
      }),
    );
  models
    .command('verify [ref]')
    .description('verify a version (or a folder with --dir and --signature) against a public key; exit 1 when it does not verify')
    .requiredOption('--key <pem>', 'public key (PEM); a private key works too')
    .option('--dir <folder>', 'verify a model folder instead of a registered version')
    .option('--signature <file>', 'the bundle of --dir (model.sig)')
    .option('--ignore-paths <paths...>', 'paths in --dir that are not part of the model')
    .option('--json', 'print JSON')
    .action((ref: string | undefined, o: { key: string; dir?: string; signature?: string; ignorePaths?: string[]; json?: boolean }) =>
      runCommand(async (ctx) => {
        const key = readPublicKey(readKeyFile(o.key));
        let r: { files: number; root: string };
        if (o.dir !== undefined) {
          if (!o.signature) throw new SlipwayError('USAGE', '--dir needs --signature FILE (the model.sig bundle)');
          const bundle = JSON.parse(readFileSync(o.signature, 'utf8')) as unknown;
          // The bundle itself may sit in the folder (model.sig): it is not part of the model.
          const sigRel = relative(resolve(o.dir), resolve(o.signature)).split(sep).join('/');
          r = verifyModelFolder(o.dir, bundle, key, [...(o.ignorePaths ?? []), sigRel]);
        } else {
          if (!ref) throw new SlipwayError('USAGE', 'name a version (fraud@3) or give --dir and --signature');
          r = await verifyModelVersion(await ctx.db(), ctx.store(), ref, [key]);
        }
        if (o.json) return printJson({ ok: true, ...r });
        process.stdout.write(`${style.green('ok')}: ${r.files} files match the signature (root ${r.root})\n`);
      }),
    );
}
