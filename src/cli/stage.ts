import { join } from 'node:path';
import type { Command } from 'commander';
import { loadSettings } from '../config/index.js';
import { isSlipwayError } from '../errors/index.js';
import { runPodStage, POD_EXIT_CONTRACT } from '../pipeline/index.js';
import { runCommand } from './run-command.js';
import { stageEnvFor } from './hooks.js';

/** `slipway stage exec`: the entry command of a kubernetes stage's pod (the Job's container runs it). */
export function registerStage(program: Command): void {
  const stage = program.command('stage').description('pipeline stages on other machines');
  stage
    .command('exec')
    .description('inside a Kubernetes Job that `slipway repro` submitted: pull the inputs from the remote, run the stage, push its outputs')
    .addHelpText(
      'after',
      '\nThe Job sets SLIPWAY_POD_REMOTE, SLIPWAY_POD_INPUTS, SLIPWAY_POD_STEPS and SLIPWAY_POD_OUTS; S3 credentials\ncome from the Secret named by the executor (S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).\n\nExample (what the Job runs):\n  slipway stage exec',
    )
    .action(() =>
      runCommand(async () => {
        const controller = new AbortController();
        const stop = (): void => controller.abort();
        process.on('SIGTERM', stop);
        try {
          const r = await runPodStage({
            env: process.env,
            workdir: process.cwd(),
            stageEnv: stageEnvFor(join(process.cwd(), '.slipway')),
            s3: loadSettings().s3,
            onLine: (line, stream) => (stream === 'stderr' ? process.stderr : process.stdout).write(`${line}\n`),
            signal: controller.signal,
          });
          return r.exitCode;
        } catch (e) {
          // A broken contract can never succeed: its own exit code lets the Job's podFailurePolicy stop retrying.
          if (isSlipwayError(e, 'CONFIG_INVALID')) {
            process.stderr.write(`error[CONFIG_INVALID]: ${e.message}\n`);
            return POD_EXIT_CONTRACT;
          }
          throw e;
        } finally {
          process.off('SIGTERM', stop);
        }
      }),
    );
}
