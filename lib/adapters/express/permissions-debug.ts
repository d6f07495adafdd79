/**
 * Express endpoint `permissionsDebug`: explains a check for the current actor as JSON
 * (Datasette's permissions-debug idea). It is itself guarded by the `permissions-debug` action.
 *
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { MiddlewareOrderError } from '../../errors.js'
import { checkOptionNames } from '../../internal/options.js'
import { ADAPTER_OPTIONS, type AdapterOptions, explainForDebug, onErrorFrom } from '../shared.js'
import { withIgnoredCredentials } from '../ignored-credentials.js'
import { factsOf, fail, stateOf } from './token-auth.js'

/**
 * A GET handler answering `?action=…&database=…&resource=…` with the decision for the current
 * actor: `{"ok": true, "actor": …, "decision": {allowed, reason, rules, restriction, alsoRequires, …}}`.
 * The actor needs `permissions-debug` (instance level; denied by default) or gets 401/403.
 * A missing or unknown action answers 400.
 *
 * @example
 * ```ts
 * app.get('/-/permissions', permissionsDebug())
 * // curl -H 'Authorization: Bearer …' 'http://localhost:3000/-/permissions?action=insert-row&database=docs&resource=documents'
 * ```
 */
export function permissionsDebug(options?: AdapterOptions): RequestHandler {
  checkOptionNames(options, ADAPTER_OPTIONS, 'permissionsDebug')
  const override = options?.onError === undefined ? undefined : onErrorFrom(options)
  return function permissionsDebug(req: Request, res: Response, next: NextFunction): void {
    const state = stateOf(req)
    if (state === undefined) {
      next(new MiddlewareOrderError('permissionsDebug() ran without tokenAuth in front of it: app.use(tokenAuth(config)) first'))
      return
    }
    const query = req.query as { readonly [key: string]: unknown }
    try {
      res.json(explainForDebug(state.gate, req.actor ?? null, (name) => query[name], factsOf(req, state)))
    } catch (error) {
      fail(withIgnoredCredentials(error, state.internals, req.headers.authorization), res, next, override ?? state.onError)
    }
  }
}
