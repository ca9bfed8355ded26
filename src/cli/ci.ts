import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE, initWorkspace } from '../config/index.js';
import { isSlipwayError, SlipwayError } from '../errors/index.js';
import { ciBaseBranch, loadPipeline, pipelineEnv, runCi, writeCiWorkflow } from '../pipeline/index.js';
import { runCommand } from './run-command.js';
import { stageEnvFor } from './hooks.js';
import { printJson, style } from './output.js';

/** `slipway ci` (the one command CI runs) and `slipway ci init github|gitlab`. */
export function registerCi(program: Command): void {
  const ci = program
    .command('ci')
    .description('run the pipeline as CI does: pull data, repro, gates, slipway-report.md; exit 0 pass / 1 fail');
  ci.command('run', { isDefault: true })
    .description('pull data, reproduce the pipeline, register and gate the model (ci: in slipway.yaml), write slipway-report.md')
    .option('--base <branch>', 'base branch for the metrics diff (default: GITHUB_BASE_REF or CI_MERGE_REQUEST_TARGET_BRANCH_NAME)')
    .option('-j, --jobs <n>', 'stages at once', (v) => parseInt(v, 10))
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  slipway ci\n  slipway ci --base main\n\nslipway.yaml:\n  ci:\n    model: mnist\n    model_path: models/mnist\n    gates_dataset: mnist-test',
    )
    .action((opts: { base?: string; jobs?: number; json?: boolean }) =>
      runCommand(async (ctx) => {
        let ws;
        try {
          ws = ctx.workspace();
        } catch (e) {
          // A fresh CI checkout has slipway.yaml but no (git-ignored) .slipway/ state folder.
          if (!isSlipwayError(e, 'WORKSPACE_NOT_FOUND') || !existsSync(join(ctx.cwd, CONFIG_FILE))) throw e;
          initWorkspace(ctx.cwd);
          ws = ctx.workspace();
        }
        const pipeline = loadPipeline(ws.root);
        const env = pipelineEnv(ws, await ctx.db(), ctx.store(), { stageEnv: stageEnvFor(ws.stateDir) });
        const log = opts.json ? process.stderr : process.stdout;
        try {
          const r = await runCi(ws, env, pipeline, {
            base: opts.base ?? ciBaseBranch(process.env),
            jobs: opts.jobs,
            onLog: (stage, line, stream) => (stream === 'stderr' ? process.stderr : log).write(`${style.cyan(`[${stage}]`)} ${line}\n`),
            pull: async () => {
              const res = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, 'data', 'pull'], {
                cwd: ws.root,
                encoding: 'utf8',
              });
              if (res.status !== 0)
                throw new SlipwayError('UNAVAILABLE', `\`slipway data pull\` failed: ${(res.stderr || res.stdout).trim()}`);
              return res.stdout.trim().split('\n').pop() ?? 'pulled';
            },
          });
          if (opts.json) printJson({ ok: r.ok, report: r.reportPath, stages: r.repro.stages, model: r.model, gates: r.gates?.passed });
          else log.write(`${r.ok ? style.green('PASS') : style.red('FAIL')}: report written to ${r.reportPath}\n`);
          return r.ok ? 0 : 1;
        } finally {
          env.close();
        }
      }),
    );
  ci.command('init <provider>')
    .description('write a CI workflow that runs `slipway ci` (github: .github/workflows/slipway.yml, gitlab: .gitlab-ci.yml)')
    .option('--force', 'overwrite an existing file')
    .action((provider: string, opts: { force?: boolean }) =>
      runCommand(async (ctx) => {
        if (provider !== 'github' && provider !== 'gitlab')
          throw new SlipwayError('USAGE', `unknown CI provider "${provider}"; use github or gitlab`);
        const root = existsSync(join(ctx.cwd, CONFIG_FILE)) ? ctx.cwd : ctx.workspace().root;
        const file = writeCiWorkflow(root, provider, opts.force);
        process.stdout.write(
          `Wrote ${file}; commit it to run \`slipway ci\` on every ${provider === 'github' ? 'push and pull request' : 'merge request'}\n`,
        );
        return 0;
      }),
    );
}
