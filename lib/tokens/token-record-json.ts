/**
 * A managed token's record as JSON for people and other programs (the CLI's `--format json`,
 * and the HTTP API): the same fields, snake_case, times as RFC 3339 UTC strings (SPEC section 9,
 * "Record").
 *
 * @module
 * @internal
 */
import type { TokenAuditEntry, TokenRecord } from './token-manager.js'

/** Unix seconds as RFC 3339 UTC, whole seconds (`2026-01-01T00:00:00Z`). @internal */
export function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** {@link rfc3339}, or `null` for no time. @internal */
export function rfc3339OrNull(seconds: number | null): string | null {
  return seconds === null ? null : rfc3339(seconds)
}

/** A record with snake_case keys and RFC 3339 times. @internal */
export function recordToJson(record: TokenRecord): { [key: string]: unknown } {
  return {
    id: record.id,
    name: record.name,
    description: record.description,
    actor_id: record.actorId,
    restrictions: record.restrictions,
    permissions: record.permissions,
    status: record.status,
    created_at: rfc3339(record.createdAt),
    created_by: record.createdBy,
    expires_at: rfc3339OrNull(record.expiresAt),
    last_used_at: rfc3339OrNull(record.lastUsedAt),
    revoked_at: rfc3339OrNull(record.revokedAt),
    revoked_by: record.revokedBy,
    start: record.start,
    rate_limit: record.rateLimit,
  }
}

/** camelCase record names to their JSON names. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

/** The record fields that hold times. */
const TIMES: ReadonlySet<string> = new Set(['createdAt', 'expiresAt', 'lastUsedAt', 'revokedAt'])

/** An audit entry as JSON: what changed, by its JSON names, times as RFC 3339. @internal */
export function auditToJson(entry: TokenAuditEntry): { [key: string]: unknown } {
  const changes: { [key: string]: unknown } = {}
  for (const [key, value] of Object.entries(entry.changes)) {
    changes[snake(key)] = TIMES.has(key) && typeof value === 'number' ? rfc3339(value) : value
  }
  return { action: entry.action, at: rfc3339(entry.at), by: entry.by, changes }
}
