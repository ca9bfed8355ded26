export type { Db, Row, Params } from './db.js';
export { openSqlite } from './sqlite-db.js';
export { openDb } from './open-db.js';
export { migrate } from './migrate.js';
export { migrations, type Migration } from './migrations.js';
