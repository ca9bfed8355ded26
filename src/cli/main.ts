#!/usr/bin/env node
import { Command } from 'commander';
import { registerInit } from './init.js';

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
  return program;
}

await buildProgram().parseAsync(process.argv);
