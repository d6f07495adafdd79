/**
 * Express guard `requireActor`: lets any authenticated caller through and answers 401 to an
 * anonymous one, for routes where who the caller is matters but no one action describes the
 * permission ("any signed-in caller").
 *
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { MiddlewareOrderError } from '../../errors.js'
import { checkOptionNames } from '../../internal/options.js'
import { ADAPTER_OPTIONS, type AdapterOptions, actorRequired, onErrorFrom } from '../shared.js'
import { withIgnoredCredentials } from '../ignored-credentials.js'
import { factsOf, fail, stateOf } from './token-auth.js'

/**
 * Express guard: the request goes on when `req.actor` is set (any valid token); an anonymous
 * request gets 401 with `WWW-Authenticate: Bearer realm="…"` and the JSON body of SPEC section 8
 * (`Authentication required`), or `next(err)` with `onError: 'next'`. A request with an invalid
 * token never gets here: `tokenAuth` already answered 401.
 *
 * @param options - `onError`, overriding tokenAuth's for this guard.
 * @throws TypeError at once for an unknown option.
 * @example
 * ```ts
 * app.get('/-/me', requireActor(), (req, res) => res.json({ actor: req.actor }))
 * ```
 */
export function requireActor(options?: AdapterOptions): RequestHandler {
  checkOptionNames(options, ADAPTER_OPTIONS, 'requireActor')
  const override = options?.onError === undefined ? undefined : onErrorFrom(options)
  return function requireActor(req: Request, res: Response, next: NextFunction): void {
    const state = stateOf(req)
    if (state === undefined) {
      next(new MiddlewareOrderError('requireActor() ran without tokenAuth in front of it: app.use(tokenAuth(config)) before the guarded routes'))
      return
    }
    const error = actorRequired(state, req.actor, factsOf(req, state))
    if (error === null) {
      next()
      return
    }
    fail(withIgnoredCredentials(error, state.internals, req.headers.authorization), res, next, override ?? state.onError)
  }
}
