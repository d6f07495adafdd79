/**
 * `GET /-/api/tokens/:id/usage` (SPEC section 11), framework-neutral: a request (the caller's
 * actor, the `:id` parameter, the query) in, a response (status, headers, JSON body) out, so the
 * Express and Koa admin routers mount the same function.
 *
 * Who sees what: an anonymous caller gets 401; a caller who neither owns the token nor may
 * `auth-tokens-view-all` gets the same 404 as for an id no token has, so ids cannot be probed.
 * The admin router's own rules (tokens as callers, cross-origin checks) apply before it.
 *
 * Body: `{"ok": true, "token_id": …, "entries": [{"at", "method", "path", "action", "database",
 * "resource", "outcome", "status"}, …], "next": <cursor or null>}`, newest first, times as
 * RFC 3339 UTC strings; `?limit=` (1 to 1000, default 100) and `?cursor=` (the previous page's
 * `next`) page through it. Errors use SPEC section 8's JSON body.
 *
 * @module
 * @internal
 */
import { AuthenticationRequiredError, InvalidParameterError, isTokengateError } from '../errors.js'
import type { Gate } from '../gate.js'
import { notFound } from '../tokens/token-manager.js'
import type { Actor } from '../types.js'

/** What the endpoint reads of a request. @internal */
export interface TokenUsageRequest {
  /** The caller, as `tokenAuth` set it (`req.actor`, `ctx.state.actor`). */
  readonly actor: Actor | null | undefined
  /** The route's parameters: `id`. */
  readonly params: { readonly [name: string]: unknown }
  /** The parsed query string: `limit`, `cursor`. */
  readonly query: { readonly [name: string]: unknown }
}

/** What the endpoint answers: the adapter sends it as it is (the body as JSON). @internal */
export interface EndpointResponse {
  readonly status: number
  readonly headers: { readonly [name: string]: string }
  readonly body: unknown
}

/** A query parameter given once as a string, or `undefined`; an array (given twice) is a 400. */
function single(query: TokenUsageRequest['query'], name: string): string | undefined {
  const value = query[name]
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') throw new InvalidParameterError(name, `Send the ${name} query parameter once, as a plain string`)
  return value
}

function parseLimit(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  if (!/^\d{1,7}$/.test(raw)) throw new InvalidParameterError('limit', 'limit must be a whole number from 1 to 1000')
  return Number(raw)
}

const rfc3339 = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z')

/**
 * The usage endpoint of a gate's managed tokens.
 * @throws TypeError when the gate has no token store.
 * @internal
 */
export function tokenUsageEndpoint(gate: Gate): (request: TokenUsageRequest) => Promise<EndpointResponse> {
  const tokens = gate.tokens
  if (tokens === null) {
    throw new TypeError('The token usage endpoint needs a gate with a token store (the tokenStore option or "token_store")')
  }
  return async function tokenUsage(request: TokenUsageRequest): Promise<EndpointResponse> {
    try {
      const actor = request.actor ?? null
      if (actor === null) {
        const error = new AuthenticationRequiredError()
        error.realm = gate.realm
        throw error
      }
      const id = request.params['id']
      if (typeof id !== 'string' || id === '') throw new InvalidParameterError('id', 'The path must name a token id: /-/api/tokens/:id/usage')
      const limit = parseLimit(single(request.query, 'limit'))
      const cursor = single(request.query, 'cursor')
      const record = await tokens.get(id)
      const visible = record !== null && (actor['id'] === record.actorId || gate.allowed(actor, 'auth-tokens-view-all'))
      if (!visible) throw notFound(id)
      const page = await tokens.usage(id, { limit, cursor })
      return {
        status: 200,
        headers: { 'Cache-Control': 'no-store' },
        body: {
          ok: true,
          token_id: id,
          entries: page.entries.map((entry) => ({ ...entry, at: rfc3339(entry.at) })),
          next: page.next,
        },
      }
    } catch (error) {
      if (isTokengateError(error) && error.expose) return { status: error.status, headers: { ...error.headers }, body: error.toJSON() }
      throw error
    }
  }
}
