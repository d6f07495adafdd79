/**
 * The PostgreSQL schema of the token store, as numbered migrations (see `migration.ts`). Every
 * statement names its tables unqualified: the store runs them with `search_path` set to its
 * schema. Times are unix seconds (`bigint`); `restrictions`, `permissions` and `changes` are
 * `jsonb`. Version 2 adds the usage log (`tokengate_usage`, SPEC section 11).
 *
 * @module
 * @internal
 */
import type { Migration } from './migration.js'

/** Every PostgreSQL migration, oldest first. @internal */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'managed tokens and their audit log',
    sql: `
CREATE TABLE tokengate_tokens (
  id text PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  name text NOT NULL,
  description text,
  actor_id text NOT NULL,
  restrictions jsonb,
  permissions jsonb,
  created_at bigint NOT NULL,
  created_by text,
  expires_at bigint,
  last_used_at bigint,
  revoked_at bigint,
  revoked_by text,
  start text NOT NULL,
  rate_limit_points integer,
  rate_limit_duration integer,
  CHECK ((rate_limit_points IS NULL) = (rate_limit_duration IS NULL))
);
CREATE UNIQUE INDEX tokengate_tokens_live_name ON tokengate_tokens (actor_id, name) WHERE revoked_at IS NULL;
CREATE INDEX tokengate_tokens_order ON tokengate_tokens (created_at DESC, id DESC);
CREATE INDEX tokengate_tokens_owner ON tokengate_tokens (actor_id, created_at DESC, id DESC);
CREATE TABLE tokengate_audit (
  seq bigserial PRIMARY KEY,
  token_id text NOT NULL,
  action text NOT NULL CHECK (action IN ('create', 'update', 'revoke', 'rotate')),
  at bigint NOT NULL,
  by text,
  changes jsonb NOT NULL
);
CREATE INDEX tokengate_audit_token ON tokengate_audit (token_id, seq);
`,
  },
  {
    version: 2,
    name: 'usage log of managed tokens',
    sql: `
CREATE TABLE tokengate_usage (
  seq bigserial PRIMARY KEY,
  token_id text NOT NULL,
  at bigint NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  action text,
  database_name text,
  resource text,
  outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'limited', 'authenticated')),
  status integer NOT NULL
);
CREATE INDEX tokengate_usage_token ON tokengate_usage (token_id, seq);
`,
  },
]
