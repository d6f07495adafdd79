/**
 * Fastify mount of token administration, `tokenAdmin(gate, options)`: the Express and Koa mounts'
 * twin (see `tokengate`'s `tokenAdmin` for the endpoints), as a Fastify plugin that declares each
 * route of the framework-neutral core (`lib/admin/`) in Fastify's router, and only translates
 * between Fastify's request and reply and the core's plain request and response.
 *
 * The plugin is encapsulated: inside it, Fastify's body parsers are replaced by one that reads
 * nothing, so the core's own reader takes the body (JSON only, `bodyLimit` bytes, the same 400,
 * 413 and 415 as on Express and Koa), and the app's parsers are untouched.
 *
 * @module
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import { readJsonBody } from '../../admin/body.js'
import { queryValues } from '../../admin/mount.js'
import type { Route } from '../../admin/routes.js'
import { createTokenAdminCore } from '../../admin/token-admin.js'
import type { AdminResponse, TokenAdminOptions } from '../../admin/types.js'
import { MiddlewareOrderError } from '../../errors.js'
import type { Gate } from '../../gate.js'
import { crossOriginRefusal } from '../../sessions/cross-origin.js'
import { type AdapterOptions, onErrorFrom } from '../shared.js'
import { factsOf, fail, guardStateOf } from './state.js'

/** Options of the Fastify {@link tokenAdmin}. */
export interface FastifyTokenAdminOptions extends TokenAdminOptions, AdapterOptions {}

/** What `app.register(plugin, opts)` may give this plugin: Fastify's own registration options only. */
const REGISTER_OPTIONS: ReadonlySet<string> = new Set(['prefix', 'logLevel', 'logSerializers'])

/** Characters Fastify's router reads as route syntax (parameters, wildcards, regular expressions). */
const ROUTE_SYNTAX = /[:*()]/

/**
 * A core route's pattern as a Fastify URL: its parameters (`:id`) are Fastify's too; a literal
 * segment Fastify would read as syntax is refused at once.
 * @throws TypeError naming the path.
 */
function fastifyUrl(route: Route): string {
  for (const segment of route.pattern.split('/')) {
    if (segment.startsWith(':') && /^:[A-Za-z]\w*$/.test(segment)) continue
    if (ROUTE_SYNTAX.test(segment)) {
      throw new TypeError(`tokenAdmin on Fastify cannot serve ${JSON.stringify(route.pattern)}: Fastify's router reads ":", "*", "(" and ")" as route syntax; choose basePath, pagePath and the login link's path without them`)
    }
  }
  return route.pattern
}

function send(reply: FastifyReply, response: AdminResponse): void {
  reply.code(response.status).headers({ ...response.headers })
  if (response.body === null) reply.send()
  else if (typeof response.body === 'string') reply.send(response.body)
  else reply.header('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify(response.body))
}

/**
 * Token administration for Fastify (the JSON API, InfluxDB 3's endpoints with `influx: true`, the
 * token page, a one-time login link), as a plugin to register after the `tokengate` plugin, in its
 * context or a child of it: `app.register(tokenAdmin(gate, options))`. Same endpoints, rules and
 * options as the Express and Koa `tokenAdmin`; Fastify's `prefix` mounts it below a path (the
 * page then links to the prefixed API).
 *
 * Each endpoint is a route of Fastify's router, so a route the app declares at the same path is a
 * start-up error, and a path the admin does not serve reaches the app's 404 handler. A route the
 * tokengate plugin does not cover fails with `ERR_MIDDLEWARE_ORDER` (500), never as anonymous.
 *
 * @param gate - the gate, with a token store (`gate.tokens`): the one the `tokengate` plugin uses.
 * @param options - see {@link TokenAdminOptions}, plus `onError`.
 * @throws TypeError at once for a gate without a token store, a bad or unknown option, or a path
 * Fastify would read as route syntax; at registration, for options given to `register` other
 * than Fastify's `prefix`, `logLevel` and `logSerializers`.
 * @example
 * ```ts
 * import { tokenAdmin, tokengate } from 'tokengate/fastify'
 * await app.register(tokengate, { gate, actorCookie: true })
 * await app.register(tokenAdmin(gate, { influx: true }))
 * ```
 */
export function tokenAdmin(gate: Gate, options: FastifyTokenAdminOptions = {}): FastifyPluginCallback {
  const core = createTokenAdminCore(gate, options)
  const override = options.onError === undefined ? undefined : onErrorFrom(options)
  const routes = core.routes.map((route) => ({ route, url: fastifyUrl(route) }))

  /** Declare every route of the core in this (encapsulated) context. */
  function declare(fastify: FastifyInstance, prefix: string): void {
    // The core reads the body itself: no parser of this context reads it first.
    fastify.removeAllContentTypeParsers()
    fastify.addContentTypeParser('*', (_request: FastifyRequest, _payload: unknown, parsed: (error: Error | null, body?: unknown) => void) => parsed(null))
    for (const { route, url } of routes) {
      fastify.route({
        method: route.method,
        url,
        handler: async function tokenAdminRoute(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
          const state = guardStateOf(request, 'tokenAdmin()')
          if (state instanceof MiddlewareOrderError) throw state
          try {
            const refused = crossOriginRefusal({ method: request.method, headers: request.headers, origin: () => `${request.protocol}://${request.host}` })
            if (refused !== null) throw refused
            const body = route.body ? await readJsonBody(request.raw, core.bodyLimit, undefined) : undefined
            const question = request.url.indexOf('?')
            const path = question === -1 ? request.url : request.url.slice(0, question)
            const response = await core.handle(
              { route, params: request.params as { readonly [name: string]: string } },
              {
                method: request.method.toUpperCase(),
                path: path.startsWith(prefix) ? path.slice(prefix.length) || '/' : path,
                params: request.params as { readonly [name: string]: string },
                query: queryValues(question === -1 ? '' : request.url.slice(question + 1)),
                body,
                actor: request.actor,
                headers: request.headers,
                mountPath: prefix,
                facts: core.ownsFacts(state.internals) ? factsOf(request, state) : undefined,
                secure: request.protocol === 'https',
              },
            )
            send(reply, response)
          } catch (error) {
            fail(error, reply, (e) => reply.send(e), override ?? state.onError)
          }
          return reply
        },
      })
    }
  }

  return function tokenAdmin(fastify: FastifyInstance, registerOptions: Record<string, unknown> | undefined, done: (error?: Error) => void): void {
    const extra = Object.keys(registerOptions ?? {}).find((name) => !REGISTER_OPTIONS.has(name))
    if (extra !== undefined) {
      done(new TypeError(`"${extra}" is not an option of app.register(tokenAdmin(gate, options), …): pass tokenAdmin's options to tokenAdmin(gate, options); register takes Fastify's prefix`))
      return
    }
    const prefix = fastify.prefix
    try {
      declare(fastify, prefix)
    } catch (error) {
      // A route the app already declared, for one: a start-up error, from ready() or listen().
      done(error as Error)
      return
    }
    done()
  }
}
