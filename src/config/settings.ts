import { SlipwayError } from '../errors/index.js';

/** Process-wide settings, read from the environment once at the edge and passed down. */
export interface Settings {
  /** Where the SDK sends runs; unset means in-process against the local workspace. */
  readonly trackingUri: string | undefined;
  /** A PostgreSQL URL for metadata; unset means the workspace's SQLite file. */
  readonly databaseUrl: string | undefined;
  /** Colours in CLI output. */
  readonly color: boolean;
  /** Where downloads (e.g. MNIST) are cached. */
  readonly cacheDir: string;
  /** S3 settings for an `s3://` remote. */
  readonly s3: { endpoint?: string; accessKeyId?: string; secretAccessKey?: string; region?: string; bucket?: string };
  /** Bearer token for the control-plane server. */
  readonly token: string | undefined;
  /** The run a process was started inside (a pipeline stage sets SLIPWAY_PARENT_RUN_ID): new runs become its children. */
  readonly parentRunId: string | undefined;
  /** Where registry credentials are read from (docker's config.json; DOCKER_CONFIG or ~/.docker). */
  readonly dockerConfigDir: string;
}

/** Reads settings from an environment (process.env by default). */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, isTTY = Boolean(process.stdout.isTTY)): Settings {
  const home = env.HOME ?? env.USERPROFILE ?? '.';
  return {
    trackingUri: nonEmpty(env.SLIPWAY_TRACKING_URI),
    databaseUrl: nonEmpty(env.SLIPWAY_DATABASE_URL),
    color: isTTY && env.NO_COLOR === undefined && env.TERM !== 'dumb',
    cacheDir: nonEmpty(env.SLIPWAY_CACHE_DIR) ?? `${home}/.cache/slipway`,
    s3: {
      endpoint: nonEmpty(env.S3_ENDPOINT),
      accessKeyId: nonEmpty(env.S3_ACCESS_KEY_ID ?? env.AWS_ACCESS_KEY_ID),
      secretAccessKey: nonEmpty(env.S3_SECRET_ACCESS_KEY ?? env.AWS_SECRET_ACCESS_KEY),
      region: nonEmpty(env.S3_REGION ?? env.AWS_REGION),
      bucket: nonEmpty(env.S3_BUCKET),
    },
    token: nonEmpty(env.SLIPWAY_TOKEN),
    parentRunId: nonEmpty(env.SLIPWAY_PARENT_RUN_ID),
    dockerConfigDir: nonEmpty(env.DOCKER_CONFIG) ?? `${home}/.docker`,
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** Which engine kernels run: SLIPWAY_KERNELS=reference|native forces a backend, SLIPWAY_THREADS sizes the native pool. */
export interface KernelSettings {
  readonly force: 'reference' | 'native' | undefined;
  readonly threads: number | undefined;
}

/** Reads SLIPWAY_KERNELS and SLIPWAY_THREADS; CONFIG_INVALID for values that name no backend or thread count. */
export function kernelSettings(env: NodeJS.ProcessEnv = process.env): KernelSettings {
  const force = env.SLIPWAY_KERNELS?.trim();
  if (force !== undefined && force !== '' && force !== 'reference' && force !== 'native') {
    throw new SlipwayError('CONFIG_INVALID', `SLIPWAY_KERNELS=${force} is not a kernel backend; use 'reference' or 'native', or unset it.`);
  }
  const t = env.SLIPWAY_THREADS?.trim();
  const threads = t ? Number(t) : undefined;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw new SlipwayError('CONFIG_INVALID', `SLIPWAY_THREADS=${t} must be an integer from 1 to 256; unset it to use the physical cores.`);
  }
  return { force: force === '' ? undefined : force, threads };
}

/** How the CLI talks to the terminal. */
export interface CliSettings {
  /** Colours on stdout: a TTY without NO_COLOR and not TERM=dumb. */
  readonly color: boolean;
  /** Progress bars on stderr: a TTY without SLIPWAY_NO_PROGRESS. */
  readonly progress: boolean;
  /** Stack traces with errors: --verbose or SLIPWAY_VERBOSE=1. */
  readonly verbose: boolean;
}

/** Reads the CLI's terminal settings from the environment, argv and the streams. */
export function cliSettings(
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv,
  tty: { stdout: boolean; stderr: boolean } = { stdout: Boolean(process.stdout.isTTY), stderr: Boolean(process.stderr.isTTY) },
): CliSettings {
  return {
    color: tty.stdout && env.NO_COLOR === undefined && env.TERM !== 'dumb',
    progress: tty.stderr && !env.SLIPWAY_NO_PROGRESS,
    verbose: argv.includes('--verbose') || env.SLIPWAY_VERBOSE === '1',
  };
}

/**
 * Process-wide defaults the edge sets once before any capability runs: the AWS SDK's Node-version notice is off
 * (it reads this variable itself, so it has to be set in the environment; an explicit value wins).
 */
export function applyProcessDefaults(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
