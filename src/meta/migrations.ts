/** One schema migration: statements that run in order, in one transaction, once. */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly up: readonly string[];
}

/**
 * The one migration list, shared by SQLite and PostgreSQL. Append only; never edit a released migration.
 * Times are BIGINT milliseconds since the epoch; JSON is TEXT; ids are ULIDs (TEXT).
 */
export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'core',
    up: [
      `CREATE TABLE experiments (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL)`,
      `CREATE TABLE runs (
        id TEXT PRIMARY KEY, experiment_id TEXT NOT NULL REFERENCES experiments(id), name TEXT, kind TEXT NOT NULL DEFAULT 'run',
        status TEXT NOT NULL, start_time BIGINT NOT NULL, end_time BIGINT, parent_run_id TEXT,
        git_commit TEXT, git_dirty INTEGER, git_diff_hash TEXT, env_json TEXT)`,
      `CREATE INDEX runs_experiment ON runs (experiment_id, start_time)`,
      `CREATE INDEX runs_status ON runs (status)`,
      `CREATE TABLE params (run_id TEXT NOT NULL REFERENCES runs(id), key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key))`,
      `CREATE TABLE tags (run_id TEXT NOT NULL REFERENCES runs(id), key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key))`,
      `CREATE TABLE metrics (run_id TEXT NOT NULL, key TEXT NOT NULL, step BIGINT NOT NULL, ts BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL)`,
      `CREATE INDEX metrics_history ON metrics (run_id, key, step)`,
      `CREATE TABLE latest_metrics (run_id TEXT NOT NULL, key TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, step BIGINT NOT NULL, ts BIGINT NOT NULL, PRIMARY KEY (run_id, key))`,
      `CREATE INDEX latest_metrics_key ON latest_metrics (key, value)`,
      `CREATE TABLE run_artifacts (run_id TEXT NOT NULL REFERENCES runs(id), path TEXT NOT NULL, hash TEXT NOT NULL, size BIGINT NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (run_id, path))`,
      `CREATE TABLE run_inputs (run_id TEXT NOT NULL REFERENCES runs(id), dataset TEXT NOT NULL, version INTEGER NOT NULL, tree_hash TEXT NOT NULL, PRIMARY KEY (run_id, dataset, version))`,
      `CREATE TABLE datasets (name TEXT PRIMARY KEY, created_at BIGINT NOT NULL)`,
      `CREATE TABLE dataset_versions (
        name TEXT NOT NULL REFERENCES datasets(name), version INTEGER NOT NULL, tree_hash TEXT NOT NULL, message TEXT,
        files BIGINT NOT NULL, bytes BIGINT NOT NULL, profile_json TEXT, created_at BIGINT NOT NULL, PRIMARY KEY (name, version))`,
      `CREATE TABLE models (name TEXT PRIMARY KEY, description TEXT, created_at BIGINT NOT NULL)`,
      `CREATE TABLE model_versions (
        name TEXT NOT NULL REFERENCES models(name), version INTEGER NOT NULL, tree_hash TEXT NOT NULL, format TEXT NOT NULL,
        signature_json TEXT NOT NULL, metrics_json TEXT, params_json TEXT, run_id TEXT, lineage_json TEXT, description TEXT,
        created_at BIGINT NOT NULL, PRIMARY KEY (name, version))`,
      `CREATE TABLE aliases (model TEXT NOT NULL REFERENCES models(name), alias TEXT NOT NULL, version INTEGER NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (model, alias))`,
      `CREATE TABLE alias_history (
        id TEXT PRIMARY KEY, model TEXT NOT NULL, alias TEXT NOT NULL, from_version INTEGER, to_version INTEGER, actor TEXT NOT NULL,
        reason TEXT, forced INTEGER NOT NULL DEFAULT 0, gate_report_id TEXT, at BIGINT NOT NULL)`,
      `CREATE INDEX alias_history_model ON alias_history (model, at)`,
      `CREATE TABLE gate_reports (id TEXT PRIMARY KEY, model TEXT NOT NULL, version INTEGER NOT NULL, passed INTEGER NOT NULL, report_json TEXT NOT NULL, created_at BIGINT NOT NULL)`,
      `CREATE INDEX gate_reports_version ON gate_reports (model, version, created_at)`,
      `CREATE TABLE audit_log (id TEXT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, details_json TEXT)`,
      `CREATE TABLE predictions (
        request_id TEXT PRIMARY KEY, model TEXT NOT NULL, version INTEGER, at BIGINT NOT NULL, latency_ms DOUBLE PRECISION NOT NULL,
        status INTEGER NOT NULL, predicted TEXT, input_json TEXT, output_json TEXT)`,
      `CREATE INDEX predictions_model_at ON predictions (model, at)`,
      `CREATE TABLE feedback (request_id TEXT PRIMARY KEY, label TEXT NOT NULL, at BIGINT NOT NULL)`,
      `CREATE TABLE run_cache (key TEXT PRIMARY KEY, stage TEXT NOT NULL, outs_json TEXT NOT NULL, run_id TEXT, created_at BIGINT NOT NULL)`,
    ],
  },
  {
    id: 2,
    name: 'registry-alias-kinds-and-webhooks',
    up: [
      `ALTER TABLE alias_history ADD COLUMN kind TEXT NOT NULL DEFAULT 'move'`,
      `CREATE INDEX alias_history_alias ON alias_history (model, alias, at)`,
      `CREATE INDEX model_versions_created ON model_versions (name, created_at)`,
      `CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY, event TEXT NOT NULL, url TEXT NOT NULL, target TEXT NOT NULL, status INTEGER, ok INTEGER NOT NULL,
        error TEXT, duration_ms DOUBLE PRECISION NOT NULL, at BIGINT NOT NULL)`,
    ],
  },
  {
    id: 3,
    name: 'tracking-metric-history-covering-index',
    up: [
      // History reads (run, key) ordered by (step, ts) straight from the index, without touching the table.
      `CREATE INDEX metrics_history_cover ON metrics (run_id, key, step, ts, value)`,
      `DROP INDEX metrics_history`,
      `CREATE INDEX runs_start ON runs (start_time)`,
    ],
  },
  {
    id: 4,
    name: 'access-identities-tokens-grants-audit-chain',
    up: [
      `CREATE TABLE identities (name TEXT PRIMARY KEY, kind TEXT NOT NULL, role TEXT NOT NULL, created_at BIGINT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0)`,
      // Only the sha256 of a token is stored; the token itself is shown once.
      `CREATE TABLE access_tokens (
        id TEXT PRIMARY KEY, identity TEXT NOT NULL REFERENCES identities(name), name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL, expires_at BIGINT, revoked_at BIGINT, last_used_at BIGINT)`,
      `CREATE TABLE model_grants (subject TEXT NOT NULL, model TEXT NOT NULL, permission TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (subject, model))`,
      `CREATE TABLE protected_aliases (model TEXT NOT NULL, alias TEXT NOT NULL, subjects_json TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (model, alias))`,
      // Append-only and hash-chained: each entry's hash covers its fields and the previous entry's hash.
      `CREATE TABLE audit_chain (
        seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, at BIGINT NOT NULL, actor TEXT NOT NULL, source TEXT, action TEXT NOT NULL,
        target TEXT NOT NULL, change_json TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`,
      `CREATE INDEX audit_chain_at ON audit_chain (at)`,
    ],
  },
  {
    id: 5,
    name: 'registry-model-signatures',
    up: [
      // One OpenSSF model-signing bundle (Sigstore bundle JSON) per version; key_hint is sha256 of the signer's public key PEM.
      `CREATE TABLE model_signatures (
        name TEXT NOT NULL, version INTEGER NOT NULL, bundle_json TEXT NOT NULL, key_hint TEXT NOT NULL, signed_by TEXT NOT NULL,
        signed_at BIGINT NOT NULL, PRIMARY KEY (name, version))`,
    ],
  },
];
