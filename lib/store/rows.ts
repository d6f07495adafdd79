/**
 * Reading and writing token rows in SQL stores: the column list, and the mapping between a row
 * (snake_case columns, JSON as text or jsonb, integers maybe as strings) and a
 * {@link StoredToken}.
 *
 * @module
 * @internal
 */
import type { Restrictions } from '../types.js'
import type { StoredAuditEntry, StoredToken, StoredUsageEntry, TokenPatch, UsageEntry } from './token-store.js'

/** The token table's columns, in the order rows are written. @internal */
export const TOKEN_COLUMNS = [
  'id',
  'hash',
  'name',
  'description',
  'actor_id',
  'restrictions',
  'permissions',
  'created_at',
  'created_by',
  'expires_at',
  'last_used_at',
  'revoked_at',
  'revoked_by',
  'start',
  'rate_limit_points',
  'rate_limit_duration',
] as const

/** A token row as a driver hands it back. @internal */
export type TokenRow = { readonly [column in (typeof TOKEN_COLUMNS)[number]]: unknown }

/** A number column: SQLite gives numbers, PostgreSQL's bigint gives strings. */
function int(value: unknown): number | null {
  if (value === null || value === undefined) return null
  return typeof value === 'number' ? value : Number(value)
}

/** A JSON column: text in SQLite, already parsed from jsonb in PostgreSQL. */
function json<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null
  return (typeof value === 'string' ? JSON.parse(value) : value) as T
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

/** A row as a stored token. @internal */
export function tokenFromRow(row: TokenRow): StoredToken {
  const points = int(row.rate_limit_points)
  const duration = int(row.rate_limit_duration)
  return {
    id: String(row.id),
    hash: String(row.hash),
    name: String(row.name),
    description: text(row.description),
    actorId: String(row.actor_id),
    restrictions: json<Restrictions>(row.restrictions),
    permissions: json<string[]>(row.permissions),
    createdAt: int(row.created_at) ?? 0,
    createdBy: text(row.created_by),
    expiresAt: int(row.expires_at),
    lastUsedAt: int(row.last_used_at),
    revokedAt: int(row.revoked_at),
    revokedBy: text(row.revoked_by),
    start: String(row.start),
    rateLimit: points === null || duration === null ? null : { points, duration },
  }
}

/** A JSON value for a column, or `null`. */
function jsonText(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value)
}

/** A stored token as column values, in {@link TOKEN_COLUMNS} order (JSON as text). @internal */
export function rowValues(token: StoredToken): unknown[] {
  return [
    token.id,
    token.hash,
    token.name,
    token.description,
    token.actorId,
    jsonText(token.restrictions),
    jsonText(token.permissions),
    token.createdAt,
    token.createdBy,
    token.expiresAt,
    token.lastUsedAt,
    token.revokedAt,
    token.revokedBy,
    token.start,
    token.rateLimit?.points ?? null,
    token.rateLimit?.duration ?? null,
  ]
}

/** A patch as `column = value` pairs (JSON as text). @internal */
export function patchColumns(patch: TokenPatch): [column: string, value: unknown][] {
  const out: [string, unknown][] = []
  if (patch.name !== undefined) out.push(['name', patch.name])
  if (patch.description !== undefined) out.push(['description', patch.description])
  if (patch.restrictions !== undefined) out.push(['restrictions', jsonText(patch.restrictions)])
  if (patch.permissions !== undefined) out.push(['permissions', jsonText(patch.permissions)])
  if (patch.expiresAt !== undefined) out.push(['expires_at', patch.expiresAt])
  if (patch.rateLimit !== undefined) {
    out.push(['rate_limit_points', patch.rateLimit?.points ?? null], ['rate_limit_duration', patch.rateLimit?.duration ?? null])
  }
  return out
}

/** An audit row as an entry. @internal */
export function auditFromRow(row: { readonly [column: string]: unknown }): StoredAuditEntry {
  return {
    seq: int(row['seq']) ?? 0,
    tokenId: String(row['token_id']),
    action: String(row['action']) as StoredAuditEntry['action'],
    at: int(row['at']) ?? 0,
    by: text(row['by']),
    changes: json<{ [field: string]: unknown }>(row['changes']) ?? {},
  }
}

/**
 * The `WHERE` condition of a status; `now` binds the time and returns its placeholder, and is
 * called only when the condition needs it. @internal
 */
export function statusCondition(status: 'active' | 'revoked' | 'expired', now: () => string): string {
  switch (status) {
    case 'revoked':
      return 'revoked_at IS NOT NULL'
    case 'expired':
      return `revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ${now()}`
    case 'active':
      return `revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${now()})`
  }
}

/** The usage table's columns, in the order entries are written (after `seq`). @internal */
export const USAGE_COLUMNS = ['token_id', 'at', 'method', 'path', 'action', 'database_name', 'resource', 'outcome', 'status'] as const

/** A usage entry as column values, in {@link USAGE_COLUMNS} order. @internal */
export function usageValues(entry: UsageEntry): unknown[] {
  return [entry.tokenId, entry.at, entry.method, entry.path, entry.action, entry.database, entry.resource, entry.outcome, entry.status]
}

/** A usage row as an entry. @internal */
export function usageFromRow(row: { readonly [column: string]: unknown }): StoredUsageEntry {
  return {
    seq: int(row['seq']) ?? 0,
    tokenId: String(row['token_id']),
    at: int(row['at']) ?? 0,
    method: String(row['method']),
    path: String(row['path']),
    action: text(row['action']),
    database: text(row['database_name']),
    resource: text(row['resource']),
    outcome: String(row['outcome']) as StoredUsageEntry['outcome'],
    status: int(row['status']) ?? 0,
  }
}
