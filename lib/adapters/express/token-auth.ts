/**
 * Express middleware `tokenAuth`: reads the request's token, resolves it to an actor through
 * the gate's token sources and sets `req.actor` (`null` when the request is anonymous).
 *
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { TokengateConfigInput } from '../../config/config-types.js'
import { isTokengateError } from '../../errors.js'
import type { RequestFacts } from '../../events/observer.js'
import type { Gate, GateOptions } from '../../gate.js'
import type { LimitVerdict } from '../../internal/gate-internals.js'
import { crossOriginRefusal } from '../../sessions/cross-origin.js'
import type { VerifiedToken } from '../../types.js'
import { type AdapterOptions, type AdapterState, type OnError, type SessionOptions, adapterState } from '../shared.js'
import './augment.js'

/** Options of {@link tokenAuth}: the gate's options plus the adapter's. */
export interface TokenAuthOptions extends GateOptions, AdapterOptions, SessionOptions {}

/**
 * The state tokenAuth leaves for the guards, per request. A WeakMap rather than a property on
 * `req`: one more property on Node's request object costs about 3% of a small app's throughput
 * (measured with the benchmark), a WeakMap entry next to nothing.
 */
const STATES = new WeakMap<Request, AdapterState>()

/** The state tokenAuth left on a request, if it ran. @internal */
export function stateOf(req: Request): AdapterState | undefined {
  return STATES.get(req)
}

/** What the gate observes of each request, when it observes requests (events, usage log). */
const FACTS = new WeakMap<Request, RequestFacts>()

/** The facts of a request, for a guard, when the gate observes requests. @internal */
export function factsOf(req: Request, state: AdapterState): RequestFacts | undefined {
  return state.internals.observing ? FACTS.get(req) : undefined
}

/**
 * Answer an error the way the options say: a tokengate error meant for the client (`expose`: the
 * 4xx, and a 503 that says when to come back) is sent as SPEC's JSON
 * body with its challenge, or handed to `next` with `onError: 'next'`; anything else (a bug, a
 * misconfiguration) always goes to `next`, so Express reports it loudly.
 * @internal
 */
export function fail(error: unknown, res: Response, next: NextFunction, onError: OnError): void {
  if (onError === 'respond' && isTokengateError(error) && error.expose && !res.headersSent) {
    res.status(error.status)
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value)
    res.json(error.toJSON())
    return
  }
  next(error)
}

/** How the gate reaches the query string, only when a query parameter is configured. */
const queryOf = (req: Request) => req.query as { readonly [key: string]: unknown }

/** The server's own origin as this request reached it (honours Express's `trust proxy`). @internal */
export function originOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? ''}`
}

/**
 * The session of a request that presented no token: its `ds_actor` cookie's, with `actorCookie`,
 * when it has no Authorization header (authenticated and rate-limited as a token would be).
 */
function withoutToken(state: AdapterState, req: Request, facts: RequestFacts | undefined): VerifiedToken | null {
  return state.actorCookie && req.headers.authorization === undefined ? state.internals.sessionFromCookie(req.headers.cookie, facts) : null
}

/**
 * After authentication: set `req.actor`, note the usage entry for when the response is sent,
 * count the request against its rate limit (429, or the `RateLimit` headers), and go on.
 */
function admit(req: Request, res: Response, next: NextFunction, state: AdapterState, verified: VerifiedToken | null, facts: RequestFacts | undefined): void {
  req.actor = verified === null ? null : verified.actor
  if (facts?.recordUsage === true) res.once('finish', () => state.internals.finished(facts, res.statusCode))
  const limited = verified === null ? null : state.internals.limit(verified, facts)
  if (limited === null) next()
  else if (limited instanceof Promise) limited.then((verdict) => limitedBy(verdict, res, next, state), next)
  else limitedBy(limited, res, next, state)
}

/** Answer 429, or set the rate-limit headers and go on. */
function limitedBy(verdict: LimitVerdict, res: Response, next: NextFunction, state: AdapterState): void {
  if (verdict.error !== null) {
    fail(verdict.error, res, next, state.onError)
    return
  }
  res.setHeader('RateLimit-Policy', verdict.policy)
  res.setHeader('RateLimit', verdict.state)
  next()
}

/**
 * Express middleware that authenticates the request's bearer token and sets `req.actor`.
 *
 * - No token: `req.actor = null` (anonymous) and the next handler runs; with
 *   `actorCookie: true`, the actor of a valid `ds_actor` cookie when there is no Authorization
 *   header.
 * - A valid token: `req.actor` is its actor (with `_r` when the token is restricted).
 * - A malformed header (400), or an invalid, expired or unknown token (401): the response is
 *   sent with `WWW-Authenticate` and a JSON body, and no later handler runs; with
 *   `onError: 'next'` the coded error goes to `next(err)` instead.
 * - With a rate limit (the token's own, or the gate's `rateLimit`): the request is counted once,
 *   after authentication; within the limit the response gets the `RateLimit-Policy` and
 *   `RateLimit` headers, over it the answer is 429 `Rate limit exceeded` with `Retry-After`.
 *
 * @param config - a configuration object, the path of a metadata.json, or a gate from
 * {@link createGate} (several middlewares can then share one).
 * @param options - the gate's options (when `config` is not already a gate) and `onError`.
 * @throws ConfigError (`ERR_CONFIG_INVALID`) at once, for an invalid configuration.
 * @example
 * ```ts
 * import express from 'express'
 * import { tokenAuth, requirePermission } from 'tokengate'
 *
 * const app = express()
 * app.use(tokenAuth('metadata.json'))
 * app.post('/:db/:table/-/insert', requirePermission('insert-row', ':db', ':table'), handler)
 * ```
 */
export function tokenAuth(config?: TokengateConfigInput | string | Gate, options: TokenAuthOptions = {}): RequestHandler {
  const state = adapterState(config, options)
  const { internals, onError } = state
  return function tokenAuth(req: Request, res: Response, next: NextFunction): void {
    STATES.set(req, state)
    if (state.actorCookie) {
      const refused = crossOriginRefusal({ method: req.method, headers: req.headers, origin: () => originOf(req) })
      if (refused !== null) {
        fail(refused, res, next, onError)
        return
      }
    }
    let facts: RequestFacts | undefined
    if (internals.observing) {
      facts = internals.observe(req.method, req.originalUrl, req.ip ?? null)
      FACTS.set(req, facts)
    }
    let result: VerifiedToken | null | Promise<VerifiedToken | null>
    try {
      result = internals.authenticate(req.headers.authorization, req, queryOf, facts)
    } catch (error) {
      fail(error, res, next, onError)
      return
    }
    if (result instanceof Promise) {
      result.then(
        (verified) => admit(req, res, next, state, verified ?? withoutToken(state, req, facts), facts),
        (error: unknown) => fail(error, res, next, onError),
      )
      return
    }
    admit(req, res, next, state, result ?? withoutToken(state, req, facts), facts)
  }
}
