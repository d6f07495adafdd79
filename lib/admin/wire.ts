/**
 * Token records and audit entries as the HTTP API writes them (SPEC section 9, "Record"): the
 * same fields as {@link TokenRecord}, snake_case, times as RFC 3339 UTC strings.
 *
 * @module
 * @internal
 */
import type { TokenAuditEntry, TokenRecord } from '../tokens/token-manager.js'

/** Unix seconds as RFC 3339 UTC, whole seconds (`2025-01-01T00:00:00Z`). @internal */
export function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const timeOrNull = (seconds: number | null): string | null => (seconds === null ? null : rfc3339(seconds))

/** A token's record over HTTP. @internal */
export function recordJson(record: TokenRecord): Record<string, unknown> {
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
    expires_at: timeOrNull(record.expiresAt),
    last_used_at: timeOrNull(record.lastUsedAt),
    revoked_at: timeOrNull(record.revokedAt),
    revoked_by: record.revokedBy,
    start: record.start,
    rate_limit: record.rateLimit,
  }
}

/** camelCase record names to their HTTP names. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

/** The record fields that hold times. */
const TIMES: ReadonlySet<string> = new Set(['createdAt', 'expiresAt', 'lastUsedAt', 'revokedAt'])

/** An audit entry over HTTP: what changed, by its HTTP names, times as RFC 3339. @internal */
export function auditJson(entry: TokenAuditEntry): Record<string, unknown> {
  const changes: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(entry.changes)) {
    changes[snake(key)] = TIMES.has(key) && typeof value === 'number' ? rfc3339(value) : value
  }
  return { action: entry.action, at: rfc3339(entry.at), by: entry.by, changes }
}
