import { randomBytes } from 'node:crypto';
import { loadSettings } from '../../src/config/settings.js';
import type { S3Settings } from '../../src/store/index.js';

/** S3 settings from the environment (S3_* as started by ../shared/services/s3-up.sh), or why S3 tests skip. */
export function s3FromEnv(): { settings: S3Settings; bucket: string } | { skip: string } {
  const s3 = loadSettings(process.env, false).s3;
  if (!s3.endpoint || !s3.bucket)
    return { skip: 'S3_ENDPOINT and S3_BUCKET are not set; start one with `S3_ENV=$(bash ../shared/services/s3-up.sh) && eval "$S3_ENV"`' };
  return { settings: s3, bucket: s3.bucket };
}

/** A fresh random prefix in the test bucket as an `s3://` URL, and a cleanup that deletes everything under it. */
export function s3TestPrefix(settings: S3Settings, bucket: string): { url: string; cleanup: () => Promise<void> } {
  const prefix = `slipway-test/${Date.now()}-${randomBytes(4).toString('hex')}`;
  return {
    url: `s3://${bucket}/${prefix}`,
    async cleanup() {
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      const sdk = await import('@aws-sdk/client-s3');
      const s3 = new sdk.S3Client({
        endpoint: settings.endpoint,
        region: settings.region ?? 'us-east-1',
        credentials: { accessKeyId: settings.accessKeyId ?? '', secretAccessKey: settings.secretAccessKey ?? '' },
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      try {
        let token: string | undefined;
        do {
          const page = await s3.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
          await Promise.all((page.Contents ?? []).map((o) => s3.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: o.Key! }))));
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      } finally {
        s3.destroy();
      }
    },
  };
}
