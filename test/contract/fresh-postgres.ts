import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server to test against (CI starts one via ../shared/services/pg-up.sh), or undefined to skip. */
export const TEST_DATABASE_URL = process.env.SLIPWAY_TEST_DATABASE_URL || undefined;

/** Creates a fresh, empty database on the test server; `drop()` removes it (after every pool on it is closed). */
export async function freshPostgresDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `slipway_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
