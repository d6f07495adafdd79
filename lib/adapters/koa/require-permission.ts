/**
 * Koa guard `requirePermission`: the Express guard's twin, reading `ctx.state.actor` and
 * `ctx.params` (as set by @koa/router).
 *
 * @module
 */
import type { Context, Middleware, Next } from 'koa'
import { MiddlewareOrderError } from '../../errors.js'
import { type AdapterOptions, type TargetSpec, compileGuard } from '../shared.js'
import { withIgnoredCredentials } from '../ignored-credentials.js'
import { factsOf, fail, stateOf } from './token-auth.js'

/** A guard's database or resource for Koa: a literal, `':param'` for `ctx.params.param`, or a function of the context. */
export type KoaTarget = TargetSpec<Context>

/**
 * Koa guard: the request goes on only when `ctx.state.actor` may perform `action` on
 * `database` and `resource`; otherwise 401 (anonymous) or 403 (authenticated), per SPEC
 * section 8. Without `tokenAuth` in front it throws `ERR_MIDDLEWARE_ORDER`.
 *
 * @example
 * ```ts
 * router.get('/:db/:table', requirePermission('view-table', ':db', ':table'), listRows)
 * ```
 */
export function requirePermission(
  action: string,
  database?: KoaTarget | null,
  resource?: KoaTarget | null,
  options?: AdapterOptions,
): Middleware {
  const guard = compileGuard<Context>(action, database, resource, options)
  return async function requirePermission(ctx: Context, next: Next): Promise<void> {
    const state = stateOf(ctx)
    if (state === undefined) {
      throw new MiddlewareOrderError(`requirePermission("${action}") ran without tokenAuth in front of it: app.use(tokenAuth(config)) before the guarded routes`)
    }
    try {
      const params = (ctx as Context & { params?: { readonly [key: string]: unknown } }).params
      state.internals.check(ctx.state.actor ?? null, guard.action, guard.databaseOf(ctx, params), guard.resourceOf(ctx, params), factsOf(ctx, state))
    } catch (error) {
      fail(withIgnoredCredentials(error, state.internals, ctx.headers.authorization), ctx, guard.onError ?? state.onError)
      return
    }
    await next()
  }
}
