/**
 * Fastify guard `requirePermission`: a hook that lets the request through when the actor the
 * tokengate plugin set may perform an action on a database and resource; otherwise it answers
 * 401 (anonymous) or 403 (authenticated) per SPEC section 8.
 *
 * @module
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { MiddlewareOrderError } from '../../errors.js'
import { type AdapterOptions, type TargetSpec, compileGuard } from '../shared.js'
import { withIgnoredCredentials } from '../ignored-credentials.js'
import { factsOf, fail, guardStateOf } from './state.js'

/**
 * A guard's database or resource for Fastify: a literal, `':param'` for `request.params.param`, or
 * a function of the request.
 */
export type FastifyTarget = TargetSpec<FastifyRequest>

/**
 * A tokengate guard as a Fastify hook: use it as a route's `preHandler` (or `onRequest`, to refuse
 * before the body is read). It calls `done()` to let the request go on, or answers the request.
 */
export type FastifyGuard = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

/**
 * Fastify guard: the request goes on only when `request.actor` may perform `action` on `database`
 * and `resource`.
 *
 * - Denied to an anonymous request: 401 with `WWW-Authenticate: Bearer realm="…"`.
 * - Denied to an authenticated actor: 403 with `error="insufficient_scope"`.
 * - The body is `{"ok": false, "error": …, "errors": […], "status": …}`; with `onError: 'next'`
 *   (here, or on the plugin) the coded error goes to Fastify's error handler instead.
 * - On a route the tokengate plugin does not cover (not registered in the route's context or a
 *   parent), the guard fails loudly with `ERR_MIDDLEWARE_ORDER` (500), never as anonymous.
 *
 * As a `preHandler` it runs after the body is parsed, so a function target may read
 * `request.body`; as an `onRequest` hook it refuses a request before its body is read.
 *
 * @param action - an action name or abbreviation, such as `'insert-row'`.
 * @param database - a database name, `':param'` to read `request.params`, or a function of the request.
 * @param resource - a table, view or query name, in the same forms.
 * @param options - `onError`, overriding the plugin's for this guard.
 * @throws TypeError at once for an empty action, a resource without database, an empty target,
 * an unknown option or a bad `onError`.
 * @example
 * ```ts
 * app.get('/:db/:table', { preHandler: requirePermission('view-table', ':db', ':table') }, listRows)
 * app.get('/health', { onRequest: requirePermission('view-health') }, health)
 * app.post('/posts', { preHandler: requirePermission('publish-post', 'blog', (req) => (req.body as { slug: string }).slug) }, publish)
 * ```
 */
export function requirePermission(
  action: string,
  database?: FastifyTarget | null,
  resource?: FastifyTarget | null,
  options?: AdapterOptions,
): FastifyGuard {
  const guard = compileGuard<FastifyRequest>(action, database, resource, options)
  return function requirePermission(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const state = guardStateOf(request, `requirePermission("${action}")`)
    if (state instanceof MiddlewareOrderError) {
      done(state)
      return
    }
    try {
      const params = request.params as { readonly [key: string]: unknown } | undefined
      state.internals.check(request.actor, guard.action, guard.databaseOf(request, params), guard.resourceOf(request, params), factsOf(request, state))
    } catch (error) {
      fail(withIgnoredCredentials(error, state.internals, request.headers.authorization), reply, done, guard.onError ?? state.onError)
      return
    }
    done()
  }
}
