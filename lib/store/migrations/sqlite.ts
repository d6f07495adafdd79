/**
 * The SQLite schema of the token store, as numbered migrations (see `migration.ts`). Times are
 * unix seconds (INTEGER); `restrictions`, `permissions` and `changes` are JSON text. Version 2 adds
 * the usage log (`tokengate_usage`, SPEC section 11).
 *
 * @module
 * @internal
 */
import type { Migration } from './migration.js'

/** Every SQLite migration, oldest first. @internal */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'managed tokens and their audit log',
    sql: `
CREATE TABLE tokengate_tokens (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT,
  actor_id TEXT NOT NULL,
  restrictions TEXT,
  permissions TEXT,
  created_at INTEGER NOT NULL,
  created_by TEXT,
  expires_at INTEGER,
  last_used_at INTEGER,
  revoked_at INTEGER,
  revoked_by TEXT,
  start TEXT NOT NULL,
  rate_limit_points INTEGER,
  rate_limit_duration INTEGER,
  CHECK ((rate_limit_points IS NULL) = (rate_limit_duration IS NULL))
);
CREATE UNIQUE INDEX tokengate_tokens_live_name ON tokengate_tokens (actor_id, name) WHERE revoked_at IS NULL;
CREATE INDEX tokengate_tokens_order ON tokengate_tokens (created_at DESC, id DESC);
CREATE INDEX tokengate_tokens_owner ON tokengate_tokens (actor_id, created_at DESC, id DESC);
CREATE TABLE tokengate_audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  token_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('create', 'update', 'revoke', 'rotate')),
  at INTEGER NOT NULL,
  by TEXT,
  changes TEXT NOT NULL
);
CREATE INDEX tokengate_audit_token ON tokengate_audit (token_id, seq);
`,
  },
  {
    version: 2,
    name: 'usage log of managed tokens',
    sql: `
CREATE TABLE tokengate_usage (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  token_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  action TEXT,
  database_name TEXT,
  resource TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('allowed', 'denied', 'limited', 'authenticated')),
  status INTEGER NOT NULL
);
CREATE INDEX tokengate_usage_token ON tokengate_usage (token_id, seq);
`,
  },
]
