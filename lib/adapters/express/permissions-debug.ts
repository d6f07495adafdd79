/**
 * Express endpoint `permissionsDebug`: explains a check for the current actor as JSON
 * (Datasette's permissions-debug idea). It is itself guarded by the `permissions-debug` action.
 *
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { InvalidParameterError, MiddlewareOrderError } from '../../errors.js'
import { type AdapterOptions, onErrorFrom } from '../shared.js'
import { fail, stateOf } from './token-auth.js'

function single(query: Request['query'], name: string): string | null {
  const value: unknown = (query as { readonly [key: string]: unknown })[name]
  if (value === undefined || value === '') return null
  if (typeof value !== 'string') throw new InvalidParameterError(name, `Send the ${name} query parameter once, as a plain string`)
  return value
}

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
  const override = options?.onError === undefined ? undefined : onErrorFrom(options)
  return function permissionsDebug(req: Request, res: Response, next: NextFunction): void {
    const state = stateOf(req)
    if (state === undefined) {
      next(new MiddlewareOrderError('permissionsDebug() ran without tokenAuth in front of it: app.use(tokenAuth(config)) first'))
      return
    }
    const actor = req.actor ?? null
    try {
      state.gate.check(actor, 'permissions-debug')
      const action = single(req.query, 'action')
      if (action === null) throw new InvalidParameterError('action', 'Name the action to explain: ?action=view-table&database=…&resource=…')
      if (state.gate.actions.get(action) === undefined) throw new InvalidParameterError('action', `Unknown action ${JSON.stringify(action)}`)
      const database = single(req.query, 'database')
      const resource = single(req.query, 'resource')
      if (resource !== null && database === null) throw new InvalidParameterError('database', 'A resource needs its database: add ?database=…')
      const decision = state.gate.explain(actor, action, { database, resource })
      res.json({ ok: true, actor, decision })
    } catch (error) {
      fail(error, res, next, override ?? state.onError)
    }
  }
}
