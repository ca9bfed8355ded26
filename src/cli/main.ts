#!/usr/bin/env node
import { Command } from 'commander';
import { packageVersion } from './version.js';
import { applyProcessDefaults } from '../config/index.js';

type Register = (program: Command) => void;

/**
 * Every top-level command and the module that registers it. Modules load lazily: a command only imports its own
 * capability (serving pulls in gRPC and Fastify; training the engine), so `slipway data add` starts fast.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  init: async () => (await import('./init.js')).registerInit,
  data: async () => (await import('./data.js')).registerData,
  remote: async () => (await import('./remote.js')).registerRemote,
  fsck: async () => (await import('./fsck.js')).registerFsck,
  gc: async () => (await import('./gc.js')).registerGc,
  push: async () => (await import('./push.js')).registerPush,
  pull: async () => (await import('./pull.js')).registerPull,
  train: async () => (await import('./train.js')).registerTrain,
  evaluate: async () => (await import('./evaluate.js')).registerEvaluate,
  export: async () => (await import('./export.js')).registerExport,
  runs: async () => (await import('./runs.js')).registerRuns,
  repro: async () => (await import('./repro.js')).registerRepro,
  status: async () => (await import('./status.js')).registerStatus,
  dag: async () => (await import('./dag.js')).registerDag,
  exp: async () => (await import('./exp.js')).registerExp,
  stage: async () => (await import('./stage.js')).registerStage,
  metrics: async () => (await import('./metrics.js')).registerMetrics,
  params: async () => (await import('./params.js')).registerParams,
  plots: async () => (await import('./plots.js')).registerPlots,
  ci: async () => (await import('./ci.js')).registerCi,
  hooks: async () => (await import('./hooks.js')).registerHooks,
  schedule: async () => (await import('./schedule.js')).registerSchedule,
  models: async () => (await import('./models.js')).registerModels,
  gates: async () => (await import('./gates.js')).registerGates,
  lineage: async () => (await import('./lineage.js')).registerLineage,
  rollout: async () => (await import('./rollout.js')).registerRollout,
  serve: async () => (await import('./serve.js')).registerServe,
  quantize: async () => (await import('./quantize.js')).registerQuantize,
  monitor: async () => (await import('./monitor.js')).registerMonitor,
  drift: async () => (await import('./drift.js')).registerDrift,
  explain: async () => (await import('./explain.js')).registerExplain,
  server: async () => (await import('./server.js')).registerServer,
  sweep: async () => (await import('./sweep.js')).registerSweep,
  build: async () => (await import('./build.js')).registerBuild,
  deploy: async () => (await import('./deploy.js')).registerDeploy,
  auth: async () => (await import('./auth.js')).registerAuth,
  audit: async () => (await import('./audit.js')).registerAudit,
  ui: async () => (await import('./ui.js')).registerUi,
};

/** Builds the `slipway` command tree with the given commands (all of them by default). */
export async function buildProgram(names: readonly string[] = Object.keys(COMMANDS)): Promise<Command> {
  const program = new Command('slipway')
    .description('DevOps for AI systems: version data and models, train, gate, serve and watch them')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--verbose', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(s) })
    .addHelpText(
      'after',
      `
The loop:
  slipway init                                  create a workspace
  slipway data add data/ --name mnist           version a dataset
  slipway repro                                 run the pipeline in slipway.yaml (tracked, cached)
  slipway models register mnist --from RUN_ID   register the trained model
  slipway models promote mnist@1 --to production  gates first, then the alias moves
  slipway serve mnist                           TF Serving REST :8501, gRPC :8500, Open Inference v2
  slipway monitor mnist                         accuracy, F1, latency from live traffic

Run \`slipway <command> --help\` for a command's options and examples.`,
    );
  program.exitOverride((err) => {
    // commander's own usage errors exit 2, as the convention says; --help/--version exit 0.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
  for (const name of names) (await COMMANDS[name]!())(program);
  return program;
}

/** The command named on the command line, when it is a known one (then only its module is loaded). */
function requestedCommand(argv: readonly string[]): string | undefined {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  return first !== undefined && first in COMMANDS ? first : undefined;
}

// `slipway runs list | head` closes stdout early; that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const only = requestedCommand(process.argv);
applyProcessDefaults();
await (await buildProgram(only ? [only] : undefined)).parseAsync(process.argv);
// Every successful write command is an entry in the audit chain (who ran it on this machine, and with what).
if (only !== undefined) await (await import('./cli-audit.js')).auditCliWrite(process.argv);
