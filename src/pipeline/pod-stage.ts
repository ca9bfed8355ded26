import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import {
  checkoutTree,
  closureOf,
  listFiles,
  openObjectStore,
  openRemote,
  pullClosure,
  pushObjects,
  putTree,
  type S3Settings,
  type TreeEntry,
} from '../store/index.js';
import { POD_EXIT_CONTRACT, readContract, type PodResult } from './pod-contract.js';
import { runStageProcess } from './stage-process.js';

/** Options of the pod side of a Kubernetes stage. */
export interface PodStageOptions {
  /** The container's environment: the contract (pod-contract.ts), JOB_COMPLETION_INDEX, S3 credentials, the user's. */
  readonly env: NodeJS.ProcessEnv;
  /** The folder the workspace is checked out into (the container's working directory, an emptyDir). */
  readonly workdir: string;
  /** S3 endpoint and credentials (from the Secret the Job mounts), read at the edge. */
  readonly s3?: S3Settings;
  readonly onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  readonly signal?: AbortSignal;
  /** Extra environment for the commands (the CLI puts its own `slipway` first on PATH, whatever the image's layout). */
  readonly stageEnv?: Readonly<Record<string, string>>;
}

/** How the pod side ended: the first failing command's exit code, or 0 with the outputs tree it pushed. */
export interface PodStageOutcome {
  readonly exitCode: number;
  readonly result?: PodResult;
}

/**
 * Runs inside the Job's pod (`slipway stage exec`): pulls the input tree its JOB_COMPLETION_INDEX selects from the
 * remote, checks it out, runs the steps' commands in order, pushes the declared outputs as one tree and writes
 * `{"outputs": TREE}` to the termination log, where the submitter reads it from the pod's status.
 */
export async function runPodStage(opts: PodStageOptions): Promise<PodStageOutcome> {
  const contract = readContract(opts.env);
  const index = Number(opts.env.JOB_COMPLETION_INDEX ?? '0');
  const input = Number.isInteger(index) ? contract.inputs[index] : undefined;
  if (input === undefined)
    throw new SlipwayError('CONFIG_INVALID', `JOB_COMPLETION_INDEX ${opts.env.JOB_COMPLETION_INDEX} selects no input tree`, { index });
  const remote = openRemote(contract.remote, opts.workdir, { s3: opts.s3 });
  const store = openObjectStore(join(opts.workdir, '.slipway', 'pod-objects'));
  const pulled = await pullClosure(store, remote, [input]);
  checkoutTree(store, input, opts.workdir);
  opts.onLine(`slipway: inputs ${input.slice(0, 12)} (${pulled.transferred} objects, ${pulled.bytes} bytes) from ${remote.url}`, 'stderr');
  for (const step of contract.steps[index] ?? []) {
    const pathEnv = Object.fromEntries(Object.entries(step.pathEnv ?? {}).map(([k, v]) => [k, join(opts.workdir, v)]));
    opts.onLine(`slipway: running ${step.stage}`, 'stderr');
    const exit = await runStageProcess({
      cmds: step.cmd,
      cwd: join(opts.workdir, step.wdir),
      env: { ...opts.env, ...opts.stageEnv, ...pathEnv, SLIPWAY_STAGE: step.stage, SLIPWAY_WORKSPACE: opts.workdir },
      onLine: opts.onLine,
      logFile: join(opts.workdir, '.slipway', 'logs', `${step.stage.replace(/[^A-Za-z0-9_.@-]/g, '_')}.log`),
      signal: opts.signal,
    });
    if (exit.exitCode !== 0) {
      const code = exit.exitCode ?? 137;
      opts.onLine(`slipway: ${step.stage} exited with ${code}${exit.signal ? ` (${exit.signal})` : ''}`, 'stderr');
      // The contract's own code stays unambiguous for podFailurePolicy: a command's 78 is retried like any failure.
      return { exitCode: code === POD_EXIT_CONTRACT ? 1 : code };
    }
  }
  const entries: TreeEntry[] = [];
  for (const out of contract.outs) {
    const abs = join(opts.workdir, out);
    if (!existsSync(abs)) continue; // the submitter names it (OUTPUT_MISSING), as for a local stage
    const files = statSync(abs).isDirectory() ? listFiles(abs).map((rel) => ({ path: `${out}/${rel}`, full: join(abs, rel) })) : [];
    if (files.length === 0 && !statSync(abs).isDirectory()) files.push({ path: out, full: abs });
    for (const f of files) {
      const { hash, size } = await store.putFile(f.full);
      entries.push({ path: f.path, hash, size, mode: statSync(f.full).mode & 0o777 });
    }
  }
  const outputs = putTree(store, entries);
  const pushed = await pushObjects(store, remote, closureOf(store, [outputs]));
  opts.onLine(`slipway: outputs ${outputs.slice(0, 12)} (${pushed.transferred} objects, ${pushed.bytes} bytes) to ${remote.url}`, 'stderr');
  const result: PodResult = { outputs };
  mkdirSync(dirname(contract.terminationLog), { recursive: true });
  writeFileSync(contract.terminationLog, JSON.stringify(result));
  return { exitCode: 0, result };
}
