/**
 * The events a gate tells its `onEvent` listener about (SPEC section 11): who authenticated, which
 * token was refused and why, every guard's decision, every change to a managed token.
 *
 * Every event has every field, `null` when it does not apply or is not known, so a log line
 * always has the same shape. No event ever holds a token, a token's hash or a secret: tokens are
 * named by their id, requests by method, path (without the query string, which may carry a
 * token) and client address.
 *
 * @module
 */
import type { InvalidTokenReason } from '../errors.js'

/**
 * What happened:
 * - `authenticated`: a request's token verified (every request, cache hits included).
 * - `rejected`: a request's token was refused (401, `reason` is the {@link InvalidTokenReason}),
 *   or its Authorization header was malformed (400, `reason` is `invalid_request`).
 * - `allowed`, `denied`: a guard's decision (`requirePermission`, `requireActor`,
 *   `permissionsDebug`, `gate.check`), or a rate limit's refusal (`denied` with
 *   `reason: 'rate_limited'`).
 * - `token.created`, `token.updated`, `token.revoked`, `token.rotated`: a change to a managed
 *   token through `gate.tokens` (a second revoke changes nothing and tells nothing).
 */
export type TokengateEventType =
  | 'authenticated'
  | 'rejected'
  | 'allowed'
  | 'denied'
  | 'token.created'
  | 'token.updated'
  | 'token.revoked'
  | 'token.rotated'

/** Every event type, in the order of {@link TokengateEventType}. @internal */
export const EVENT_TYPES: readonly TokengateEventType[] = Object.freeze([
  'authenticated',
  'rejected',
  'allowed',
  'denied',
  'token.created',
  'token.updated',
  'token.revoked',
  'token.rotated',
])

/**
 * Why a request was refused or denied, on `rejected` and `denied` events:
 * - an {@link InvalidTokenReason} (`rejected`, 401), or `invalid_request` (`rejected`, 400);
 * - `authentication_required` (`denied`, 401: an anonymous request), `forbidden` (`denied`, 403),
 *   `rate_limited` (`denied`, 429).
 */
export type TokengateEventReason = InvalidTokenReason | 'invalid_request' | 'authentication_required' | 'forbidden' | 'rate_limited'

/**
 * One event. Frozen; the same object for every listener call.
 *
 * @example
 * ```json
 * { "type": "denied", "at": 1767225600, "actorId": "alice", "tokenId": "3f9c0a1b2c3d4e5f",
 *   "source": "managed", "reason": "forbidden", "action": "insert-row", "database": "docs",
 *   "resource": "documents", "method": "POST", "path": "/docs/documents/-/insert",
 *   "ip": "127.0.0.1", "by": null }
 * ```
 */
export interface TokengateEvent {
  readonly type: TokengateEventType
  /** When, in whole unix seconds, by the gate's clock (its `now` option). */
  readonly at: number
  /**
   * Whose token: the `id` of the request's actor (`null` for an anonymous request, a refused
   * token, or an actor without an `id`); for `token.*` events, the token's owner.
   */
  readonly actorId: string | null
  /** The token's own id when it has one (a managed token's record id), else `null`. */
  readonly tokenId: string | null
  /**
   * The token source that verified the token (`static`, `dstok`, `jwt`, `managed`, …), or
   * `ds_actor` for a request signed in by its `ds_actor` cookie; else `null`.
   */
  readonly source: string | null
  /** Why, on `rejected` and `denied`; `null` otherwise. */
  readonly reason: TokengateEventReason | null
  /** The checked action's full name, on `allowed` and `denied` (`null` for `requireActor` and rate limits). */
  readonly action: string | null
  readonly database: string | null
  readonly resource: string | null
  /** The request's method, when the event comes from a request through an adapter. */
  readonly method: string | null
  /** The request's path, without the query string. */
  readonly path: string | null
  /** The client's address as the framework reports it (Express's `req.ip`, Koa's `ctx.ip`). */
  readonly ip: string | null
  /** Who made the change, on `token.*` events (`createdBy` or `by`, as given to `gate.tokens`). */
  readonly by: string | null
}

/**
 * The gate option `onEvent`: told of every event, after the request that caused it has moved on
 * (never on its path). What it throws, or the promise it rejects, is logged once through the
 * gate's `logger` and never reaches a request.
 */
export type EventListener = (event: TokengateEvent) => void | Promise<void>
