/**
 * Koa mount of token administration, `tokenAdmin(gate, options)`: the Express mount's twin (see
 * `tokengate`'s `tokenAdmin` for the endpoints), reading `ctx.state.actor`. It only translates
 * between Koa's context and the framework-neutral handlers of `lib/admin/`.
 *
 * @module
 */
import type { Context, Middleware, Next } from 'koa'
import { readJsonBody } from '../../admin/body.js'
import { adminOrderError, queryValues } from '../../admin/mount.js'
import { createTokenAdminCore } from '../../admin/token-admin.js'
import type { AdminResponse, TokenAdminOptions } from '../../admin/types.js'
import type { Gate } from '../../gate.js'
import { crossOriginRefusal } from '../../sessions/cross-origin.js'
import { type AdapterOptions, onErrorFrom } from '../shared.js'
import { factsOf, fail, stateOf } from './token-auth.js'

/** Options of the Koa {@link tokenAdmin}. */
export interface KoaTokenAdminOptions extends TokenAdminOptions, AdapterOptions {}

function send(ctx: Context, response: AdminResponse): void {
  ctx.status = response.status
  ctx.set({ ...response.headers })
  if (response.body === null) {
    ctx.body = ''
    ctx.remove('Content-Type')
  } else if (typeof response.body === 'string') {
    ctx.body = response.body
  } else {
    ctx.set('Content-Type', 'application/json; charset=utf-8')
    ctx.body = JSON.stringify(response.body)
  }
}

/**
 * The prefix a mount in front took off the path (koa-mount, or any middleware that strips one
 * from `ctx.path`), so the page links where the browser can reach; `''` at the app's root. Only
 * a path prefix counts: a request line in absolute form (`GET http://elsewhere/-/tokens`) or a
 * prefix that starts with `//` would make the links and redirects point at another site.
 */
function mountPathOf(ctx: Context): string {
  const query = ctx.originalUrl.indexOf('?')
  const original = query === -1 ? ctx.originalUrl : ctx.originalUrl.slice(0, query)
  const path = ctx.path
  if (original.length <= path.length || !original.endsWith(path)) return ''
  const prefix = original.slice(0, original.length - path.length)
  return prefix.startsWith('/') && !prefix.startsWith('//') ? prefix : ''
}

/**
 * Koa middleware serving token administration (the JSON API, InfluxDB 3's endpoints with
 * `influx: true`, the token page, a one-time login link): mount it after `tokenAuth`. Same
 * endpoints, rules and options as the Express `tokenAdmin`. Under koa-mount (or anything that
 * strips a prefix from `ctx.path`), the page links to the mounted paths.
 *
 * @param gate - the gate, with a token store (`gate.tokens`).
 * @param options - see {@link TokenAdminOptions}, plus `onError`.
 * @throws TypeError at once for a gate without a token store, or a bad or unknown option.
 * @example
 * ```ts
 * import { tokenAuth, tokenAdmin } from 'tokengate/koa'
 * app.use(tokenAuth(gate, { actorCookie: true }))
 * app.use(tokenAdmin(gate, { influx: true }))
 * ```
 */
export function tokenAdmin(gate: Gate, options: KoaTokenAdminOptions = {}): Middleware {
  const core = createTokenAdminCore(gate, options)
  const override = options.onError === undefined ? undefined : onErrorFrom(options)
  return async function tokenAdmin(ctx: Context, next: Next): Promise<void> {
    const matched = core.match(ctx.method, ctx.path)
    if (matched === null) {
      await next()
      return
    }
    const state = stateOf(ctx)
    if (state === undefined) throw adminOrderError()
    const onError = override ?? state.onError
    try {
      const refused = crossOriginRefusal({ method: ctx.method, headers: ctx.headers, origin: () => `${ctx.protocol}://${ctx.host}` })
      if (refused !== null) throw refused
      const parsed = (ctx.request as { body?: unknown }).body
      const body = matched.route.body ? await readJsonBody(ctx.req, core.bodyLimit, parsed) : undefined
      const response = await core.handle(matched, {
        method: ctx.method.toUpperCase(),
        path: ctx.path,
        params: matched.params,
        query: queryValues(ctx.querystring),
        body,
        actor: ctx.state.actor ?? null,
        headers: ctx.headers,
        mountPath: mountPathOf(ctx),
        facts: core.ownsFacts(state.internals) ? factsOf(ctx, state) : undefined,
        secure: ctx.secure,
      })
      send(ctx, response)
    } catch (error) {
      fail(error, ctx, onError)
    }
  }
}
