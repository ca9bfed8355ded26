import { test } from 'node:test';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp-workspace.js';
import { s3FromEnv, s3TestPrefix } from '../helpers/s3-test-prefix.js';
import { shareRoundTrip } from './share-round-trip.js';

test('git clone + slipway pull reproduces every dataset version, output and model byte-identical; repro restores from the run cache', async () => {
  const r = tempDir();
  try {
    await shareRoundTrip(join(r.dir, 'remote'));
  } finally {
    r.cleanup();
  }
});

const s3 = s3FromEnv();

test('the same round trip through an s3:// remote', { skip: 'skip' in s3 ? s3.skip : false }, async () => {
  if (!('settings' in s3)) return;
  const prefix = s3TestPrefix(s3.settings, s3.bucket);
  try {
    await shareRoundTrip(prefix.url);
  } finally {
    await prefix.cleanup();
  }
});
