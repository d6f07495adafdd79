/**
 * What the tokengate plugin leaves on its Fastify context for the guards, and how the guards
 * answer an error.
 *
 * The plugin decorates the Fastify instance it is registered on with its {@link AdapterState}
 * under a module-private symbol. A guard reads it from `request.server`, the instance of the
 * context its route was declared in, which sees the decorations of every parent context: so a
 * guard finds the state exactly when the plugin's `onRequest` hook runs for its route.
 *
 * @module
 * @internal
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { MiddlewareOrderError, isTokengateError } from '../../errors.js'
import type { RequestFacts } from '../../events/observer.js'
import type { AdapterState, OnError } from '../shared.js'

/** The key of the plugin's state on a Fastify instance. @internal */
export const TOKENGATE_STATE: unique symbol = Symbol('tokengate.fastify')

/** The state the plugin left on this context or a parent, if it is registered there. @internal */
export function stateOf(server: FastifyInstance): AdapterState | undefined {
  return (server as FastifyInstance & { [TOKENGATE_STATE]?: AdapterState })[TOKENGATE_STATE]
}

/** What the gate observes of each request, when it observes requests (events, usage log). */
const FACTS = new WeakMap<FastifyRequest, RequestFacts>()

/** Keep a request's facts for its guards. @internal */
export function keepFacts(request: FastifyRequest, facts: RequestFacts): void {
  FACTS.set(request, facts)
}

/** The facts of a request, for a guard, when the gate observes requests. @internal */
export function factsOf(request: FastifyRequest, state: AdapterState): RequestFacts | undefined {
  return state.internals.observing ? FACTS.get(request) : undefined
}

/**
 * The state for a guard on this request, or the error to fail with: the plugin does not cover
 * the route (registered in no context of it), or it does but has not authenticated the request
 * yet (the guard is a hook added ahead of the plugin's), which would otherwise look anonymous.
 * @internal
 */
export function guardStateOf(request: FastifyRequest, who: string): AdapterState | MiddlewareOrderError {
  const state = stateOf(request.server)
  if (state === undefined) {
    return new MiddlewareOrderError(
      `${who} ran on a route the tokengate plugin does not cover: app.register(tokengate, { config }) in this route's context or a parent of it`,
    )
  }
  if ((request as { actor: unknown }).actor === undefined) {
    return new MiddlewareOrderError(
      `${who} ran before the tokengate plugin authenticated the request: register the plugin before adding hooks that guard (await app.register(tokengate, { config }))`,
    )
  }
  return state
}

/**
 * Answer an error the way the options say: a tokengate error meant for the client (`expose`: the
 * 4xx, and a 503 that says when to come back) is sent as SPEC's JSON body with its status and
 * challenge, or handed to Fastify's error handler with `onError: 'next'`; anything else (a bug, a
 * misconfiguration) always goes to Fastify, which logs it and answers 500.
 *
 * `toFastify` is the hook's `done` (or, in a route handler, `reply.send`, which hands an `Error`
 * to the error handler too).
 * @internal
 */
export function fail(error: unknown, reply: FastifyReply, toFastify: (error: Error) => void, onError: OnError): void {
  if (onError === 'respond' && isTokengateError(error) && error.expose && !reply.sent) {
    reply.code(error.status).headers(error.headers).send(error.toJSON())
    return
  }
  toFastify(error instanceof Error ? error : new Error(String(error), { cause: error }))
}
