import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { SlipwayError } from '../errors/index.js';
import {
  createIdentity,
  createToken,
  grantModel,
  listGrants,
  listIdentities,
  listProtectedAliases,
  listTokens,
  protectAlias,
  revokeGrant,
  revokeToken,
  setRole,
  unprotectAlias,
} from '../access/index.js';
import { parseWindow } from '../monitoring/parse-window.js';
import { printJson, style, table } from './output.js';
import { runCommand } from './run-command.js';

/** The CLI's own identity in audit entries: whoever runs it on this machine. */
export function localActor(): string {
  return `local:${userInfo().username}`;
}

function parseModelAlias(s: string): { model: string; alias: string } {
  const i = s.lastIndexOf(':');
  if (i <= 0 || i === s.length - 1) throw new SlipwayError('USAGE', `give MODEL:ALIAS (e.g. fraud:production or *:production), not "${s}"`);
  return { model: s.slice(0, i), alias: s.slice(i + 1) };
}

const when = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

/** `slipway auth`: identities, tokens (shown once, stored hashed), roles, per-model grants, protected aliases. */
export function registerAuth(program: Command): void {
  const auth = program
    .command('auth')
    .description('identities, tokens, roles (viewer < developer < deployer < admin), per-model grants and protected aliases')
    .addHelpText(
      'after',
      `
Examples:
  slipway auth token create --name ci --role deployer --expires 90d   # prints the token once
  slipway auth user add alice --role developer
  slipway auth token create --name alice-laptop --user alice
  slipway auth grant alice fraud MANAGE          # alice may move fraud's aliases
  slipway auth protect fraud:production --allow release-bot --allow role:admin
  slipway auth list --json

A server on loopback asks for tokens once one exists; beyond loopback it refuses to start without one (--insecure).`,
    );
  const token = auth.command('token').description('create, list and revoke bearer tokens');
  token
    .command('create')
    .description('create a token (a new service identity NAME with --role, or for an existing --user); printed once')
    .requiredOption('--name <name>', 'token name (and service identity name when --user is not given)')
    .option('--role <role>', 'role of a new service identity: viewer, developer, deployer, admin', 'viewer')
    .option('--user <identity>', 'add the token to an existing identity')
    .option('--expires <duration>', 'lifetime such as 30d, 12h (default: 90d; "never" for none)', '90d')
    .option('--json', 'print JSON')
    .action((o: { name: string; role: string; user?: string; expires: string; json?: boolean }) =>
      runCommand(async (ctx) => {
        const expiresInMs = o.expires === 'never' ? null : parseWindow(o.expires);
        const r = await createToken(await ctx.db(), {
          name: o.name,
          identity: o.user,
          role: o.role,
          expiresInMs,
          actor: localActor(),
          source: 'cli',
        });
        if (o.json) return printJson({ token: r.token, ...r.info });
        process.stdout.write(
          `${r.token}\n${style.dim(`token ${r.info.id} for ${r.info.identity} (${r.info.role})${r.info.expiresAt ? `, expires ${when(r.info.expiresAt)}` : ''}; it is not shown again`)}\n`,
        );
      }),
    );
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      runCommand(async (ctx) => {
        const rows = await listTokens(await ctx.db());
        if (o.json) return printJson({ tokens: rows });
        process.stdout.write(
          `${table(
            ['id', 'name', 'identity', 'role', 'created', 'expires', 'revoked', 'last used'],
            rows.map((t) => [
              t.id,
              t.name,
              t.identity,
              t.role,
              when(t.createdAt),
              when(t.expiresAt),
              when(t.revokedAt),
              when(t.lastUsedAt),
            ]),
          )}\n`,
        );
      }),
    );
  token
    .command('revoke <idOrName>')
    .description('revoke a token by id or name')
    .action((idOrName: string) =>
      runCommand(async (ctx) => {
        const n = await revokeToken(await ctx.db(), { idOrName, actor: localActor(), source: 'cli' });
        process.stdout.write(`revoked ${n} token(s)\n`);
      }),
    );
  const user = auth.command('user').description('people');
  user
    .command('add <name>')
    .description('add a user identity with a role (then give it a token with `auth token create --user`)')
    .option('--role <role>', 'viewer, developer, deployer, admin', 'viewer')
    .action((name: string, o: { role: string }) =>
      runCommand(async (ctx) => {
        const who = await createIdentity(await ctx.db(), { name, kind: 'user', role: o.role, actor: localActor(), source: 'cli' });
        process.stdout.write(`added ${who.name} (${who.role})\n`);
      }),
    );
  auth
    .command('role <identity> <role>')
    .description("change an identity's role")
    .action((name: string, role: string) =>
      runCommand(async (ctx) => {
        await setRole(await ctx.db(), { name, role, actor: localActor(), source: 'cli' });
        process.stdout.write(`${name} is now ${role}\n`);
      }),
    );
  auth
    .command('grant <subject> <model> <permission>')
    .description('grant READ, EDIT or MANAGE on a model (or *) to an identity or role:NAME')
    .action((subject: string, model: string, permission: string) =>
      runCommand(async (ctx) => {
        await grantModel(await ctx.db(), { subject, model, permission, actor: localActor(), source: 'cli' });
        process.stdout.write(`granted ${permission.toUpperCase()} on ${model} to ${subject}\n`);
      }),
    );
  auth
    .command('revoke-grant <subject> <model>')
    .description('remove a grant')
    .action((subject: string, model: string) =>
      runCommand(async (ctx) => {
        await revokeGrant(await ctx.db(), { subject, model, actor: localActor(), source: 'cli' });
        process.stdout.write(`removed ${subject}'s grant on ${model}\n`);
      }),
    );
  auth
    .command('protect <modelAlias>')
    .description('protect MODEL:ALIAS (MODEL may be *): only --allow subjects may move it over the API')
    .option('--allow <subject>', 'an identity name or role:NAME (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--remove', 'remove the protection')
    .action((modelAlias: string, o: { allow: string[]; remove?: boolean }) =>
      runCommand(async (ctx) => {
        const { model, alias } = parseModelAlias(modelAlias);
        if (o.remove) await unprotectAlias(await ctx.db(), { model, alias, actor: localActor(), source: 'cli' });
        else await protectAlias(await ctx.db(), { model, alias, subjects: o.allow, actor: localActor(), source: 'cli' });
        process.stdout.write(
          o.remove ? `${model}:${alias} is no longer protected\n` : `${model}:${alias} may be moved by ${o.allow.join(', ')}\n`,
        );
      }),
    );
  auth
    .command('list')
    .description('identities, grants and protected aliases')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      runCommand(async (ctx) => {
        const db = await ctx.db();
        const out = {
          identities: await listIdentities(db),
          grants: await listGrants(db),
          protectedAliases: await listProtectedAliases(db),
        };
        if (o.json) return printJson(out);
        process.stdout.write(
          `${table(
            ['identity', 'kind', 'role', 'disabled'],
            out.identities.map((i) => [i.name, i.kind, i.role, i.disabled ? 'yes' : '']),
          )}\n`,
        );
        if (out.grants.length)
          process.stdout.write(
            `\n${table(
              ['subject', 'model', 'permission'],
              out.grants.map((g) => [g.subject, g.model, g.permission]),
            )}\n`,
          );
        if (out.protectedAliases.length)
          process.stdout.write(
            `\n${table(
              ['protected alias', 'allowed'],
              out.protectedAliases.map((p) => [`${p.model}:${p.alias}`, p.subjects.join(', ')]),
            )}\n`,
          );
      }),
    );
}
