/**
 * Express guard `requirePermission`: lets the request through when the actor set by
 * `tokenAuth` may perform an action on a database and resource; otherwise answers 401
 * (anonymous) or 403 (authenticated) per SPEC section 8.
 *
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { MiddlewareOrderError } from '../../errors.js'
import { type AdapterOptions, type TargetSpec, compileGuard } from '../shared.js'
import { withIgnoredCredentials } from '../ignored-credentials.js'
import { factsOf, fail, stateOf } from './token-auth.js'

/**
 * A guard's database or resource for Express: a literal, `':param'` for `req.params.param`, or
 * a function of the request.
 */
export type ExpressTarget = TargetSpec<Request>

/**
 * Express guard: the request goes on only when `req.actor` may perform `action` on `database`
 * and `resource`.
 *
 * - Denied to an anonymous request: 401 with `WWW-Authenticate: Bearer realm="…"`.
 * - Denied to an authenticated actor: 403 with `error="insufficient_scope"`.
 * - The body is `{"ok": false, "error": …, "errors": […], "status": …}`; with `onError: 'next'`
 *   (here, or on `tokenAuth`) the coded error goes to `next(err)` instead.
 * - Without `tokenAuth` in front, the guard fails loudly with `ERR_MIDDLEWARE_ORDER` (500).
 *
 * @param action - an action name or abbreviation, such as `'insert-row'`.
 * @param database - a database name, `':param'` to read a route parameter, or a function of the request.
 * @param resource - a table, view or query name, in the same forms.
 * @param options - `onError`, overriding tokenAuth's for this guard.
 * @example
 * ```ts
 * app.get('/:db/:table', requirePermission('view-table', ':db', ':table'), listRows)
 * app.get('/health', requirePermission('view-health'), health)
 * app.post('/admin', requirePermission('publish-post', 'blog', (req) => req.body.slug), publish)
 * ```
 */
export function requirePermission(
  action: string,
  database?: ExpressTarget | null,
  resource?: ExpressTarget | null,
  options?: AdapterOptions,
): RequestHandler {
  const guard = compileGuard<Request>(action, database, resource, options)
  return function requirePermission(req: Request, res: Response, next: NextFunction): void {
    const state = stateOf(req)
    if (state === undefined) {
      next(new MiddlewareOrderError(`requirePermission("${action}") ran without tokenAuth in front of it: app.use(tokenAuth(config)) before the guarded routes`))
      return
    }
    try {
      const params = req.params as { readonly [key: string]: unknown } | undefined
      state.internals.check(req.actor ?? null, guard.action, guard.databaseOf(req, params), guard.resourceOf(req, params), factsOf(req, state))
    } catch (error) {
      fail(withIgnoredCredentials(error, state.internals, req.headers.authorization), res, next, guard.onError ?? state.onError)
      return
    }
    next()
  }
}
