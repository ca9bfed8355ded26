// Child process for the two-process alias test: waits until a shared start time, then tries a compare-and-set move.
import { openDb } from '../../src/meta/index.js';
import { setAlias } from '../../src/registry/index.js';

const [dbPath, version, startAt] = process.argv.slice(2);
const db = await openDb({ sqlitePath: dbPath! });
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 2));
try {
  await setAlias(db, { model: 'm', alias: 'production', version: Number(version), actor: `proc-${version}`, expected: 1 });
  process.stdout.write('won\n');
} catch (e) {
  process.stdout.write(`${(e as { code?: string }).code ?? 'ERROR'}\n`);
} finally {
  await db.close();
}
