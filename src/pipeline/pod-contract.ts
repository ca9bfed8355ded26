import { SlipwayError } from '../errors/index.js';

/**
 * The contract between the machine that submits a Kubernetes Job and the `slipway stage exec` process inside its
 * pod, as environment variables on the container. Inputs and outputs travel through the workspace's remote as
 * content-addressed trees; the pod reports its outputs tree in its termination message (`/dev/termination-log`),
 * which the submitter reads from the pod's status.
 */
export const POD_ENV = {
  /** The remote URL (s3://BUCKET/PREFIX) both sides use. */
  remote: 'SLIPWAY_POD_REMOTE',
  /** JSON array of input tree hashes; the pod checks out entry JOB_COMPLETION_INDEX (0 for a plain Job). */
  inputs: 'SLIPWAY_POD_INPUTS',
  /** JSON array, per input, of the steps run in order (a stage Job: one step; an experiment: every stage). */
  steps: 'SLIPWAY_POD_STEPS',
  /** JSON array of workspace-relative output paths to collect after the steps. */
  outs: 'SLIPWAY_POD_OUTS',
  /** Where the pod writes its result (default /dev/termination-log, the container's terminationMessagePath). */
  terminationLog: 'SLIPWAY_POD_TERMINATION_LOG',
} as const;

/** The container name the submitter follows logs of and reads the termination message from. */
export const POD_CONTAINER = 'stage';

/**
 * Exit code of `slipway stage exec` when the contract itself is broken (retrying cannot help; the Job's
 * podFailurePolicy fails the Job or index at once). 78 is sysexits' EX_CONFIG; a command that exits 78 is reported as 1.
 */
export const POD_EXIT_CONTRACT = 78;

/** One step the pod runs: a stage's commands in its folder, with extra environment (dataset paths, relative). */
export interface PodStep {
  readonly stage: string;
  readonly wdir: string;
  readonly cmd: readonly string[];
  /** Values are workspace-relative paths; the pod makes them absolute. */
  readonly pathEnv?: Readonly<Record<string, string>>;
}

/** The contract as the pod reads it. */
export interface PodContract {
  readonly remote: string;
  readonly inputs: readonly string[];
  /** Per input tree (same index), the steps to run. */
  readonly steps: readonly (readonly PodStep[])[];
  readonly outs: readonly string[];
  readonly terminationLog: string;
}

/** What the pod reports in its termination message. */
export interface PodResult {
  /** Tree (workspace-relative paths) of every declared output the steps wrote. */
  readonly outputs: string;
}

/** The contract as container environment entries. */
export function contractEnv(c: Omit<PodContract, 'terminationLog'>): { name: string; value: string }[] {
  return [
    { name: POD_ENV.remote, value: c.remote },
    { name: POD_ENV.inputs, value: JSON.stringify(c.inputs) },
    { name: POD_ENV.steps, value: JSON.stringify(c.steps) },
    { name: POD_ENV.outs, value: JSON.stringify(c.outs) },
  ];
}

/** Reads the contract from a pod's environment; CONFIG_INVALID when a variable is missing or malformed. */
export function readContract(env: NodeJS.ProcessEnv): PodContract {
  const json = (name: string): unknown => {
    const v = env[name];
    if (v === undefined || v === '')
      throw new SlipwayError('CONFIG_INVALID', `${name} is not set; \`slipway stage exec\` runs inside a Job that Slipway submitted`, {
        name,
      });
    try {
      return JSON.parse(v);
    } catch {
      throw new SlipwayError('CONFIG_INVALID', `${name} is not valid JSON; resubmit the stage with \`slipway repro\``, { name });
    }
  };
  const remote = env[POD_ENV.remote];
  if (!remote) throw new SlipwayError('CONFIG_INVALID', `${POD_ENV.remote} is not set; the Job must name the remote to use`, {});
  const inputs = json(POD_ENV.inputs);
  const steps = json(POD_ENV.steps);
  const outs = json(POD_ENV.outs);
  const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (!strings(inputs) || inputs.length === 0 || !strings(outs) || !Array.isArray(steps) || steps.length !== inputs.length)
    throw new SlipwayError(
      'CONFIG_INVALID',
      'the pod contract holds values of the wrong shape; resubmit the stage with `slipway repro`',
      {},
    );
  for (const list of steps as unknown[])
    for (const s of Array.isArray(list) ? (list as PodStep[]) : [undefined])
      if (typeof s?.stage !== 'string' || typeof s.wdir !== 'string' || !strings(s.cmd))
        throw new SlipwayError('CONFIG_INVALID', `${POD_ENV.steps} holds a step of the wrong shape`, {});
  return { remote, inputs, steps: steps as PodStep[][], outs, terminationLog: env[POD_ENV.terminationLog] || '/dev/termination-log' };
}
