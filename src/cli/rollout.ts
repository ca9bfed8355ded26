import type { Command } from 'commander';
import { SlipwayError } from '../errors/index.js';
import { readRolloutState, type RolloutState } from '../rollout/index.js';
import type { CliContext } from './context.js';
import { printJson, style, table } from './output.js';
import { runCommand } from './run-command.js';

/** The model server that hosts the rollout controller (`--url`, else serving.host/rest_port of slipway.yaml). */
function serverUrl(ctx: CliContext, url: string | undefined): string {
  if (url) return url.replace(/\/+$/, '');
  const sc = ctx.config().serving;
  const host = sc?.host && sc.host !== '0.0.0.0' ? sc.host : '127.0.0.1';
  return `http://${host}:${sc?.rest_port ?? 8501}`;
}

async function call(base: string, path: string, body: Record<string, unknown>, token: string | undefined): Promise<RolloutState> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw new SlipwayError(
      'UNAVAILABLE',
      `could not reach the model server at ${base} (${(e as Error).message}); start it with \`slipway serve\` or pass --url`,
    );
  }
  const out = (await res.json().catch(() => ({}))) as { rollout?: RolloutState; error?: string; code?: string };
  if (!res.ok) {
    const code = typeof out.code === 'string' ? out.code : res.status === 404 ? 'DEPLOYMENT_NOT_FOUND' : 'UNAVAILABLE';
    throw new SlipwayError(code as 'UNAVAILABLE', `${base} answered ${res.status}: ${out.error ?? 'no message'}`);
  }
  return out.rollout!;
}

/** One rollout for people: phase, weights, and every decision with its figures. */
export function renderRollout(st: RolloutState): string {
  const lines = [
    `${style.bold(st.deployment)}: ${st.phase === 'rolled_back' ? style.red(st.phase) : st.phase === 'promoted' ? style.green(st.phase) : st.phase}`,
    `  stable  ${st.model}:${st.stableAlias} @${st.stableVersion}  (${100 - (st.phase === 'promoted' ? 100 : st.weight)}%)`,
    `  canary  ${st.model}@${st.canaryVersion}  (${st.phase === 'promoted' ? 100 : st.weight}%, step ${st.step + 1} of ${st.steps.length}: ${st.steps.join(' → ')})`,
  ];
  if (st.shadowVersion !== null) lines.push(`  shadow  ${st.model}@${st.shadowVersion}`);
  if (st.reason) lines.push(`  reason  ${st.reason}`);
  for (const d of st.decisions) {
    lines.push(`  ${new Date(d.at).toISOString()}  step ${d.step + 1} at ${d.weight}%: ${d.verdict} → ${d.action} (${d.actor})`);
    if (d.checks.length > 0)
      lines.push(
        table(
          ['    rule', 'value', 'bound', 'ok'],
          d.checks.map((c) => [
            `    ${c.rule}`,
            c.value === null ? '—' : Number(c.value.toPrecision(4)),
            c.bound,
            c.passed ? 'yes' : style.red('NO'),
          ]),
        ),
      );
  }
  return lines.join('\n');
}

/** `slipway rollout start|status|pause|resume|promote|abort DEPLOYMENT`: canary rollouts run by the model server. */
export function registerRollout(program: Command): void {
  const r = program
    .command('rollout')
    .description('progressive delivery of a deployment (deployments: in slipway.yaml): canary steps, analysis, promotion, rollback');
  r.command('status <deployment>')
    .description('where the rollout is: phase, weights, and each step’s decision with its measured values and bounds')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  slipway rollout status breast-cancer\n  slipway rollout status breast-cancer --json')
    .action((name: string, opts: { json?: boolean }) =>
      runCommand(async (ctx) => {
        if (!(name in (ctx.config().deployments ?? {})))
          throw new SlipwayError('DEPLOYMENT_NOT_FOUND', `no deployment "${name}" in slipway.yaml`);
        const st = readRolloutState(ctx.workspace().stateDir, name);
        if (opts.json) return void printJson(st ?? null);
        process.stdout.write(st ? `${renderRollout(st)}\n` : `${name}: no rollout yet (slipway rollout start ${name})\n`);
      }),
    );
  const verb = (name: string, desc: string, example: string, withReason: boolean, withStart = false): void => {
    const c = r
      .command(`${name} <deployment>`)
      .description(desc)
      .option('--url <url>', 'the model server hosting the controller (default: serving.host and rest_port)')
      .option('--json', 'print the rollout as JSON');
    if (withStart)
      c.option('--canary <version-or-alias>', 'the candidate (default: deployments.NAME.canary.version)').option(
        '--force',
        'start even when its gates failed (needs --reason; audited)',
      );
    if (withReason || withStart) c.option('--reason <text>', 'why (kept in the audit log)');
    c.addHelpText('after', `\nExample:\n  ${example}`).action(
      (dep: string, opts: { url?: string; json?: boolean; canary?: string; force?: boolean; reason?: string }) =>
        runCommand(async (ctx) => {
          const canary = opts.canary === undefined ? undefined : /^\d+$/.test(opts.canary) ? Number(opts.canary) : opts.canary;
          const st = await call(
            serverUrl(ctx, opts.url),
            `/v1/deployments/${encodeURIComponent(dep)}/rollout/${name}`,
            { canary, force: opts.force, reason: opts.reason },
            ctx.settings.token,
          );
          if (opts.json) printJson(st);
          else process.stdout.write(`${renderRollout(st)}\n`);
        }),
    );
  };
  verb(
    'start',
    'give the canary its first traffic step (after its gates passed); the server walks the rest',
    'slipway rollout start breast-cancer --canary 3',
    false,
    true,
  );
  verb('pause', 'stop walking the steps (the canary keeps its current share)', 'slipway rollout pause breast-cancer', false);
  verb('resume', 'walk on from the current step (its window restarts)', 'slipway rollout resume breast-cancer', false);
  verb(
    'promote',
    'skip the remaining steps: move the stable alias to the canary now (audited)',
    'slipway rollout promote breast-cancer',
    false,
  );
  verb('abort', 'send all traffic back to stable at once; the alias stays', 'slipway rollout abort breast-cancer --reason "pager"', true);
}
