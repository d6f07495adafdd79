/**
 * Express middleware `tokenAuth`: reads the request's token, resolves it to an actor through
 * the gate's token sources and sets `req.actor` (`null` when the request is anonymous).
 *
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { TokengateConfigInput } from '../../config/config-types.js'
import { isTokengateError } from '../../errors.js'
import { type Gate, type GateOptions, authenticateNow } from '../../gate.js'
import type { CredentialsInput } from '../../tokens/bearer.js'
import type { Actor } from '../../types.js'
import { type AdapterOptions, type OnError, gateFrom, onErrorFrom } from '../shared.js'
import './augment.js'

/** Options of {@link tokenAuth}: the gate's options plus the adapter's. */
export interface TokenAuthOptions extends GateOptions, AdapterOptions {}

/** What tokenAuth leaves on the request for the guards. @internal */
export interface ExpressState {
  readonly gate: Gate
  readonly onError: OnError
}

/** The request property under which tokenAuth leaves its state. @internal */
export const STATE: unique symbol = Symbol('tokengate')

type WithState = Request & { [STATE]?: ExpressState }

/** The state tokenAuth left on a request, if it ran. @internal */
export function stateOf(req: Request): ExpressState | undefined {
  return (req as WithState)[STATE]
}

/**
 * Answer an error the way the options say: a tokengate client error (4xx) is sent as SPEC's JSON
 * body with its challenge, or handed to `next` with `onError: 'next'`; anything else (a bug, a
 * misconfiguration) always goes to `next`, so Express reports it loudly.
 * @internal
 */
export function fail(error: unknown, res: Response, next: NextFunction, onError: OnError): void {
  if (onError === 'respond' && isTokengateError(error) && error.status < 500 && !res.headersSent) {
    res.status(error.status)
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value)
    res.json(error.toJSON())
    return
  }
  next(error)
}

/**
 * Express middleware that authenticates the request's bearer token and sets `req.actor`.
 *
 * - No token: `req.actor = null` (anonymous) and the next handler runs.
 * - A valid token: `req.actor` is its actor (with `_r` when the token is restricted).
 * - A malformed header (400), or an invalid, expired or unknown token (401): the response is
 *   sent with `WWW-Authenticate` and a JSON body, and no later handler runs; with
 *   `onError: 'next'` the coded error goes to `next(err)` instead.
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
  const onError = onErrorFrom(options)
  const gate = gateFrom(config, options)
  const state: ExpressState = Object.freeze({ gate, onError })
  return function tokenAuth(req: Request, res: Response, next: NextFunction): void {
    ;(req as WithState)[STATE] = state
    let result: Actor | null | Promise<Actor | null>
    try {
      result = authenticateNow(gate, new ExpressCredentials(req))
    } catch (error) {
      fail(error, res, next, onError)
      return
    }
    if (result instanceof Promise) {
      result.then(
        (actor) => {
          req.actor = actor
          next()
        },
        (error: unknown) => fail(error, res, next, onError),
      )
      return
    }
    req.actor = result
    next()
  }
}

/**
 * What the gate reads from an Express request. The query string is read only if the gate asks
 * for it (a query parameter is configured): Express 5 parses it on first access.
 */
class ExpressCredentials implements CredentialsInput {
  readonly authorization: string | undefined
  readonly #req: Request

  constructor(req: Request) {
    this.authorization = req.headers.authorization
    this.#req = req
  }

  get query(): { readonly [key: string]: unknown } {
    return this.#req.query as { readonly [key: string]: unknown }
  }
}
