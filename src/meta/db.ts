/** A row as returned by the database: column name → value. */
export type Row = Record<string, unknown>;
/** Positional parameters; write `?` placeholders, each dialect rewrites them. */
export type Params = readonly unknown[];

/**
 * The metadata database, one interface over SQLite (embedded default) and PostgreSQL.
 * SQL is written once, portable: `?` placeholders, TEXT/BIGINT/DOUBLE PRECISION columns, no dialect-only syntax
 * except through `dialect` checks in the repository that needs them.
 */
export interface Db {
  readonly dialect: 'sqlite' | 'postgres';
  all<T = Row>(sql: string, params?: Params): Promise<T[]>;
  get<T = Row>(sql: string, params?: Params): Promise<T | undefined>;
  run(sql: string, params?: Params): Promise<{ changes: number }>;
  /** Runs many parameter sets through one statement (fast bulk insert). */
  runMany(sql: string, rows: readonly Params[]): Promise<void>;
  /** Runs `fn` in one transaction; a throw rolls it back. Nested calls join the outer transaction. */
  tx<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
