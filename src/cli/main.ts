#!/usr/bin/env node
import { Command } from 'commander';
import { registerInit } from './init.js';
import { registerTrain } from './train.js';
import { registerEvaluate } from './evaluate.js';
import { registerModels } from './models.js';
import { registerGates } from './gates.js';
import { registerLineage } from './lineage.js';
import { registerData } from './data.js';
import { registerFsck } from './fsck.js';
import { registerGc } from './gc.js';
import { registerRemote } from './remote.js';
import { registerExport } from './export.js';
import { registerRepro } from './repro.js';
import { registerStatus } from './status.js';
import { registerDag } from './dag.js';
import { registerExp } from './exp.js';
import { registerMetrics } from './metrics.js';
import { registerParams } from './params.js';
import { registerPlots } from './plots.js';
import { registerCi } from './ci.js';
import { registerHooks } from './hooks.js';
import { registerSchedule } from './schedule.js';
import { registerRuns } from './runs.js';
import { registerServer } from './server.js';
import { registerServe } from './serve.js';
import { registerMonitor } from './monitor.js';

/** Builds the `slipway` command tree. Each noun registers itself from its own file. */
export function buildProgram(): Command {
  const program = new Command('slipway')
    .description('DevOps for AI systems: version data and models, train, gate, serve and watch them')
    .option('--verbose', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(s) });
  program.exitOverride((err) => {
    // commander's own usage errors exit 2, as the convention says; --help/--version exit 0.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
  registerInit(program);
  registerTrain(program);
  registerEvaluate(program);
  registerModels(program);
  registerGates(program);
  registerLineage(program);
  registerData(program);
  registerFsck(program);
  registerGc(program);
  registerRemote(program);
  registerExport(program);
  registerRepro(program);
  registerStatus(program);
  registerDag(program);
  registerExp(program);
  registerMetrics(program);
  registerParams(program);
  registerPlots(program);
  registerCi(program);
  registerHooks(program);
  registerSchedule(program);
  registerRuns(program);
  registerServer(program);
  registerServe(program);
  registerMonitor(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
