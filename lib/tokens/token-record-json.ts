/**
 * A managed token's record as JSON for people and other programs (the CLI's `--format json`,
 * and the HTTP API): the same fields, snake_case, times as RFC 3339 UTC strings (SPEC section 9,
 * "Record").
 *
 * @module
 * @internal
 */
import type { TokenRecord } from './token-manager.js'

/** Unix seconds as RFC 3339 UTC (`2026-01-01T00:00:00Z`), or `null`. @internal */
export function rfc3339(seconds: number | null): string | null {
  return seconds === null ? null : new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z')
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
    expires_at: rfc3339(record.expiresAt),
    last_used_at: rfc3339(record.lastUsedAt),
    revoked_at: rfc3339(record.revokedAt),
    revoked_by: record.revokedBy,
    start: record.start,
    rate_limit: record.rateLimit,
  }
}
