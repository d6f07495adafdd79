/**
 * `GET {basePath}/:id/usage` (SPEC section 11), a route of token administration like the others:
 * the same caller rules apply first (401 anonymous, 403 `Tokens cannot manage tokens` for a token
 * caller unless `allowTokenCallers`), then the token must be visible to the caller (its owner, or
 * a holder of `auth-tokens-view-all`): anyone else gets the same 404 as for an id no token has, so
 * ids cannot be probed. Cross-origin checks do not apply: it changes nothing.
 *
 * Body: `{"ok": true, "token_id": …, "entries": [{"at", "method", "path", "action", "database",
 * "resource", "outcome", "status"}, …], "next": <cursor or null>}`, newest first, times as
 * RFC 3339 UTC strings; `?limit=` (1 to 1000, default 100) and `?cursor=` (the previous page's
 * `next`) page through it. Errors use SPEC section 8's JSON body; `Cache-Control: no-store`.
 *
 * @module
 * @internal
 */
import { InvalidParameterError } from '../errors.js'
import { closest } from '../internal/closest.js'
import type { TokenUsageEntry } from '../tokens/token-manager.js'
import { type AdminContext, json, visibleTokenOf } from './handlers.js'
import type { AdminRequest, AdminResponse } from './types.js'
import { describe } from '../tokens/token-fields.js'
import { singleParam } from './validate.js'
import { rfc3339 } from '../tokens/token-record-json.js'

const USAGE_PARAMS = ['limit', 'cursor'] as const

/** The `?limit=` of a usage page: 1 to 1000, or `undefined` for the default. @internal */
export function usageLimit(query: AdminRequest['query']): number | undefined {
  const text = singleParam(query, 'limit')
  if (text === undefined || text === '') return undefined
  const limit = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN
  if (!(limit >= 1 && limit <= 1000)) throw new InvalidParameterError('limit', `limit must be a whole number from 1 to 1000, got ${describe(text)}`)
  return limit
}

/** A usage entry over HTTP: its time as RFC 3339. @internal */
export function usageJson(entry: TokenUsageEntry): Record<string, unknown> {
  return { ...entry, at: rfc3339(entry.at) }
}

/** `GET {basePath}/:id/usage`: 200, a page of the token's usage log, newest first. */
export async function tokenUsage(request: AdminRequest, context: AdminContext): Promise<AdminResponse> {
  const { record } = await visibleTokenOf(request, context)
  for (const key of Object.keys(request.query)) {
    if ((USAGE_PARAMS as readonly string[]).includes(key)) continue
    const guess = closest(key, USAGE_PARAMS)
    throw new InvalidParameterError(key, `Unknown query parameter ${JSON.stringify(key.slice(0, 100))}${guess === undefined ? '' : `; did you mean ${JSON.stringify(guess)}?`}`)
  }
  const limit = usageLimit(request.query)
  const cursor = singleParam(request.query, 'cursor')
  const page = await context.tokens.usage(record.id, {
    ...(limit === undefined ? {} : { limit }),
    ...(cursor === undefined || cursor === '' ? {} : { cursor }),
  })
  return json(200, { ok: true, token_id: record.id, entries: page.entries.map(usageJson), next: page.next })
}
