/**
 * The Fastify plugin `tokengate`: registered on an app (or an encapsulated context), it
 * authenticates every request of that context in an `onRequest` hook and sets `request.actor`
 * (`null` when anonymous).
 *
 * It follows fastify-plugin's conventions without depending on it: the three symbols Fastify
 * reads from a plugin function (`skip-override`, `fastify.display-name`, `plugin-meta`) are set
 * here, so the plugin is not encapsulated (its hook and decorators apply to the context it is
 * registered in, and every child of it), it is registered under the name `tokengate` (other
 * plugins may declare it as a dependency), and Fastify refuses to load it into anything but
 * Fastify 5.
 *
 * @module
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { TokengateConfigInput } from '../../config/config-types.js'
import type { RequestFacts } from '../../events/observer.js'
import type { Gate, GateOptions } from '../../gate.js'
import { GATE_OPTION_NAMES } from '../../gate-options.js'
import { GATE_INTERNALS, type LimitVerdict } from '../../internal/gate-internals.js'
import { checkOptionNames } from '../../internal/options.js'
import { crossOriginRefusal } from '../../sessions/cross-origin.js'
import type { VerifiedToken } from '../../types.js'
import { type AdapterOptions, type AdapterState, type SessionOptions, adapterState } from '../shared.js'
import './augment.js'
import { TOKENGATE_STATE, fail, keepFacts, stateOf } from './state.js'

/**
 * Options of the {@link tokengate} plugin: either an existing `gate`, or a `config` and the
 * gate's options (`GateOptions`, as `createGate` takes them); and the adapter's `onError`.
 */
export interface FastifyTokengateOptions extends GateOptions, AdapterOptions, SessionOptions {
  /**
   * A gate made by `createGate`, shared with the rest of the app (to sign tokens, to check in
   * handlers). Then no gate option may be given: they belong to `createGate`.
   */
  gate?: Gate
  /**
   * A configuration object or the path of a metadata.json, from which the plugin makes its own
   * gate with the gate options given beside it.
   * @defaultValue an empty configuration (no tokens: every request is anonymous)
   */
  config?: TokengateConfigInput | string
}

/** Fastify's own registration options: meaningless for a plugin that is not encapsulated. */
const FASTIFY_REGISTER_OPTIONS: readonly string[] = ['prefix', 'logLevel', 'logSerializers']

/** Every option of the plugin. @internal */
export const PLUGIN_OPTIONS: readonly string[] = ['gate', 'config', ...GATE_OPTION_NAMES, 'onError', 'actorCookie']

const PLUGIN_NAME = 'tokengate'

/** How the gate reaches the query string, only when a query parameter is configured. */
const queryOf = (request: FastifyRequest) => request.query as { readonly [key: string]: unknown }

/**
 * The session of a request that presented no token: its `ds_actor` cookie's, with `actorCookie`,
 * when it has no Authorization header (authenticated and rate-limited as a token would be).
 */
function withoutToken(state: AdapterState, request: FastifyRequest, facts: RequestFacts | undefined): VerifiedToken | null {
  return state.actorCookie && request.headers.authorization === undefined ? state.internals.sessionFromCookie(request.headers.cookie, facts) : null
}

/**
 * After authentication: set `request.actor`, note the usage entry for when the response is sent,
 * count the request against its rate limit (429, or the `RateLimit` headers), and go on.
 */
function admit(
  request: FastifyRequest,
  reply: FastifyReply,
  next: HookHandlerDoneFunction,
  state: AdapterState,
  verified: VerifiedToken | null,
  facts: RequestFacts | undefined,
): void {
  request.actor = verified === null ? null : verified.actor
  if (facts?.recordUsage === true) {
    const raw = reply.raw
    raw.once('finish', () => state.internals.finished(facts, raw.statusCode))
  }
  const limited = verified === null ? null : state.internals.limit(verified, facts)
  if (limited === null) next()
  else if (limited instanceof Promise) limited.then((verdict) => limitedBy(verdict, reply, next, state), (error: unknown) => fail(error, reply, next, state.onError))
  else limitedBy(limited, reply, next, state)
}

/** Answer 429, or set the rate-limit headers and go on. */
function limitedBy(verdict: LimitVerdict, reply: FastifyReply, next: HookHandlerDoneFunction, state: AdapterState): void {
  if (verdict.error !== null) {
    fail(verdict.error, reply, next, state.onError)
    return
  }
  reply.header('RateLimit-Policy', verdict.policy)
  reply.header('RateLimit', verdict.state)
  next()
}

/**
 * Check the plugin's options and make its state. Misuse throws a TypeError naming the option,
 * an invalid configuration a ConfigError.
 */
function pluginState(options: FastifyTokengateOptions): AdapterState {
  if (typeof options === 'object' && options !== null) {
    const fastifyOption = FASTIFY_REGISTER_OPTIONS.find((name) => name in options)
    if (fastifyOption !== undefined) {
      throw new TypeError(
        `The tokengate plugin does not take Fastify's "${fastifyOption}" option: it is not encapsulated, so it applies to the ` +
          'context it is registered in and its children. To guard only some routes, register it inside an encapsulated plugin ' +
          '(app.register(async (api) => { api.register(tokengate, { config }); … }, { prefix }))',
      )
    }
  }
  checkOptionNames(options, PLUGIN_OPTIONS, 'the tokengate plugin')
  const { gate, config, ...rest } = options
  if (gate !== undefined) {
    if (config !== undefined) throw new TypeError('Give the tokengate plugin either "gate" or "config", not both')
    if (typeof gate !== 'object' || gate === null || !(GATE_INTERNALS in gate)) {
      throw new TypeError('The "gate" option of the tokengate plugin must be a gate made by createGate()')
    }
    return adapterState(gate, rest)
  }
  if (typeof config === 'object' && config !== null && GATE_INTERNALS in config) {
    throw new TypeError('The "config" option of the tokengate plugin got a gate: pass it as "gate" instead')
  }
  return adapterState(config, rest)
}

/**
 * The Fastify 5 plugin: authenticates each request's bearer token in an `onRequest` hook and
 * sets `request.actor`.
 *
 * - No token: `request.actor = null` (anonymous), and the request goes on. Guards
 *   ({@link requirePermission}, {@link requireActor}) decide what anonymous may do.
 * - A valid token: `request.actor` is its actor (with `_r` when the token is restricted).
 * - A malformed header (400), or an invalid, expired or unknown token (401): the reply is sent
 *   with `WWW-Authenticate` and SPEC's JSON body, and no handler runs; with `onError: 'next'` the
 *   coded error goes to Fastify's error handler instead (it carries `statusCode`, `code` and
 *   `headers`, which Fastify's default handler honours).
 * - With a rate limit (the token's own, or the gate's `rateLimit`): the request is counted once,
 *   after authentication; within the limit the reply gets the `RateLimit-Policy` and `RateLimit`
 *   headers, over it the answer is 429 `Rate limit exceeded` with `Retry-After`.
 * - With `actorCookie: true`: a request without an Authorization header is signed in by a valid
 *   `ds_actor` cookie (Datasette's; `gate.createActorCookie` writes one), and every request that
 *   changes something (not GET, HEAD, OPTIONS) and carries a cookie is refused 403
 *   `ERR_CROSS_ORIGIN` when it comes from another origin (`Sec-Fetch-Site`, then `Origin`).
 * - With `onEvent` or a usage log: the request's method, path and `request.ip` go with its events,
 *   and a managed token's request is written to its usage log once the response is sent.
 *
 * Authentication is synchronous while every token source is (all the built-in ones are), so the
 * hook finishes in the same tick; a custom async source makes it wait for that source.
 *
 * Registered without encapsulation (fastify-plugin's convention): it covers the context it is
 * registered in and every child context. Register it inside an encapsulated plugin to cover only
 * that plugin's routes. It may be registered once per context.
 *
 * @param options - `gate` (a gate from `createGate`) or `config` (a configuration object or a
 * metadata.json path) with the gate's options; `onError`; `actorCookie`.
 * @throws TypeError at registration (from `app.ready()`/`app.listen()`) for an unknown option,
 * `gate` and `config` together, gate options beside a gate, a bad `onError`, Fastify's `prefix`,
 * or a second registration in one context; ConfigError (`ERR_CONFIG_INVALID`) for an invalid
 * configuration.
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { tokengate, requirePermission } from 'tokengate/fastify'
 *
 * const app = Fastify()
 * await app.register(tokengate, { config: 'metadata.json' })
 * app.get('/:db/:table', { preHandler: requirePermission('view-table', ':db', ':table') }, listRows)
 * ```
 */
export const tokengate: FastifyPluginCallback<FastifyTokengateOptions> = Object.assign(
  function tokengate(fastify: FastifyInstance, options: FastifyTokengateOptions, done: (error?: Error) => void): void {
    try {
      if (stateOf(fastify) !== undefined || fastify.hasRequestDecorator('actor')) {
        throw new TypeError(
          stateOf(fastify) !== undefined
            ? 'The tokengate plugin is already registered in this Fastify context or a parent of it: register it once, where it should start to apply'
            : 'request.actor is already decorated by another plugin: the tokengate plugin cannot set it',
        )
      }
      const state = pluginState(options ?? {})
      const { internals, onError } = state
      fastify.decorate(TOKENGATE_STATE, state)
      // undefined until the hook below has run, so a guard that runs before it (a hook added
      // ahead of the plugin) fails loudly instead of taking the request for anonymous.
      fastify.decorateRequest('actor', undefined as unknown as null)
      fastify.addHook('onRequest', function tokengateAuthenticate(request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction): void {
        if (state.actorCookie) {
          const refused = crossOriginRefusal({ method: request.method, headers: request.headers, origin: () => `${request.protocol}://${request.host}` })
          if (refused !== null) {
            fail(refused, reply, next, onError)
            return
          }
        }
        let facts: RequestFacts | undefined
        if (internals.observing) {
          facts = internals.observe(request.method, request.url, request.ip ?? null)
          keepFacts(request, facts)
        }
        let result: VerifiedToken | null | Promise<VerifiedToken | null>
        try {
          result = internals.authenticate(request.headers.authorization, request, queryOf, facts)
        } catch (error) {
          fail(error, reply, next, onError)
          return
        }
        if (result instanceof Promise) {
          result.then(
            (verified) => admit(request, reply, next, state, verified ?? withoutToken(state, request, facts), facts),
            (error: unknown) => fail(error, reply, next, onError),
          )
          return
        }
        admit(request, reply, next, state, result ?? withoutToken(state, request, facts), facts)
      })
    } catch (error) {
      done(error as Error)
      return
    }
    done()
  },
  {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: PLUGIN_NAME,
    [Symbol.for('plugin-meta')]: Object.freeze({ name: PLUGIN_NAME, fastify: '5.x' }),
  },
)
