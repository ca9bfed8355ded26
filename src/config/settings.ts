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
