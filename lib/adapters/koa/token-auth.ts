/**
 * Koa middleware `tokenAuth`: the Express adapter's twin, writing `ctx.state.actor`.
 *
 * @module
 */
import type { Context, Middleware, Next } from 'koa'
import type { TokengateConfigInput } from '../../config/config-types.js'
import { isTokengateError } from '../../errors.js'
import type { RequestFacts } from '../../events/observer.js'
import { crossOriginRefusal } from '../../sessions/cross-origin.js'
import type { Gate, GateOptions } from '../../gate.js'
import type { Actor, VerifiedToken } from '../../types.js'
import { type AdapterOptions, type AdapterState, type OnError, type SessionOptions, adapterState } from '../shared.js'

declare module 'koa' {
  interface DefaultState {
    /** The actor set by tokengate's `tokenAuth`; `null` for an anonymous request. */
    actor?: Actor | null
  }
}

/** Options of the Koa {@link tokenAuth}: the gate's options plus the adapter's. */
export interface KoaTokenAuthOptions extends GateOptions, AdapterOptions, SessionOptions {}

/** The state tokenAuth leaves for the guards, per request (a WeakMap, as in the Express adapter). */
const STATES = new WeakMap<Context, AdapterState>()

/** The state tokenAuth left on a context, if it ran. @internal */
export function stateOf(ctx: Context): AdapterState | undefined {
  return STATES.get(ctx)
}

/** What the gate observes of each request, when it observes requests (events, usage log). */
const FACTS = new WeakMap<Context, RequestFacts>()

/** The facts of a request, for a guard, when the gate observes requests. @internal */
export function factsOf(ctx: Context, state: AdapterState): RequestFacts | undefined {
  return state.internals.observing ? FACTS.get(ctx) : undefined
}

/**
 * Answer an error as the options say: a tokengate error meant for the client (`expose`: the 4xx,
 * and a 503 that says when to come back) becomes the response
 * (status, challenge, JSON body); with `onError: 'next'`, and for anything else, it is thrown
 * for Koa's `ctx.onerror` and `app.on('error')`. Koa renders the error's `status`, `headers`
 * and (when `expose`) message unaided.
 * @internal
 */
export function fail(error: unknown, ctx: Context, onError: OnError): void {
  if (onError === 'respond' && isTokengateError(error) && error.expose) {
    ctx.status = error.status
    ctx.set(error.headers)
    ctx.body = error.toJSON()
    return
  }
  throw error
}

/** How the gate reaches the query string, only when a query parameter is configured. */
const queryOf = (ctx: Context) => ctx.query

/**
 * Koa middleware that authenticates the request's bearer token and sets `ctx.state.actor`
 * (`null` when anonymous). Same behaviour and options as the Express `tokenAuth`, rate limits
 * included (the `RateLimit` headers are set before the next middleware runs; an error that Koa's
 * own `onerror` renders drops them, as it drops every header set before it).
 *
 * @example
 * ```ts
 * import Koa from 'koa'
 * import { tokenAuth, requirePermission } from 'tokengate/koa'
 *
 * const app = new Koa()
 * app.use(tokenAuth('metadata.json'))
 * ```
 */
export function tokenAuth(config?: TokengateConfigInput | string | Gate, options: KoaTokenAuthOptions = {}): Middleware {
  const state = adapterState(config, options)
  const { internals, onError } = state
  return async function tokenAuth(ctx: Context, next: Next): Promise<void> {
    STATES.set(ctx, state)
    if (state.actorCookie) {
      const refused = crossOriginRefusal({ method: ctx.method, headers: ctx.headers, origin: () => `${ctx.protocol}://${ctx.host}` })
      if (refused !== null) {
        fail(refused, ctx, onError)
        return
      }
    }
    let facts: RequestFacts | undefined
    if (internals.observing) {
      facts = internals.observe(ctx.method, ctx.originalUrl, ctx.ip || null)
      FACTS.set(ctx, facts)
    }
    let verified: VerifiedToken | null
    try {
      const result = internals.authenticate(ctx.headers.authorization, ctx, queryOf, facts)
      verified = result instanceof Promise ? await result : result
    } catch (error) {
      fail(error, ctx, onError)
      return
    }
    // Without a token: the `ds_actor` cookie's session, with actorCookie and no Authorization header.
    if (verified === null && state.actorCookie && ctx.headers.authorization === undefined) {
      verified = internals.sessionFromCookie(ctx.headers.cookie, facts)
    }
    ctx.state.actor = verified === null ? null : verified.actor
    if (facts?.recordUsage === true) {
      const recorded = facts
      ctx.res.once('finish', () => internals.finished(recorded, ctx.res.statusCode))
    }
    const limited = verified === null ? null : internals.limit(verified, facts)
    if (limited !== null) {
      const verdict = limited instanceof Promise ? await limited : limited
      if (verdict.error !== null) {
        fail(verdict.error, ctx, onError)
        return
      }
      ctx.set('RateLimit-Policy', verdict.policy)
      ctx.set('RateLimit', verdict.state)
    }
    await next()
  }
}
