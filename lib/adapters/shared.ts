/**
 * What the Express and Koa adapters share: turning `tokenAuth`'s first argument into a gate,
 * validating the adapter options, and resolving a guard's database and resource from the
 * request.
 *
 * @module
 * @internal
 */
import type { TokengateConfigInput } from '../config/config-types.js'
import { type AuthenticationRequiredError, InvalidParameterError, InvalidRequestError } from '../errors.js'
import { type Gate, type GateOptions, createGate } from '../gate.js'
import { GATE_OPTION_NAMES } from '../gate-options.js'
import type { RequestFacts } from '../events/observer.js'
import { GATE_INTERNALS, type GateInternals, internalsOf } from '../internal/gate-internals.js'
import { checkOptionNames } from '../internal/options.js'
import type { Actor, Decision } from '../types.js'

/**
 * Who renders an error:
 * - `'respond'` (default): tokengate sends the status, `WWW-Authenticate` and JSON body itself;
 * - `'next'`: the coded error goes to the framework (Express: `next(err)`; Koa: thrown, for
 *   `app.on('error')` / `ctx.onerror`), so the application can reshape it.
 */
export type OnError = 'respond' | 'next'

/** Options every adapter takes, besides the gate's own. */
export interface AdapterOptions {
  /** Who renders an error. @defaultValue `'respond'` */
  onError?: OnError
}

/** Options of `tokenAuth` besides the gate's and `onError`. */
export interface SessionOptions {
  /**
   * Also sign browsers in with Datasette's `ds_actor` cookie (signed with the gate's secret),
   * read when the request has no Authorization header and presents no token; a cookie that is
   * not usable (bad signature, expired) leaves the request anonymous, as in Datasette. With it,
   * every request that changes something (not GET, HEAD, OPTIONS) and carries a cookie is checked
   * for cross-origin use (`Sec-Fetch-Site`, then `Origin`) and refused with 403
   * `ERR_CROSS_ORIGIN` before anything runs.
   * @defaultValue false
   */
  actorCookie?: boolean
}

const TARGET_PARAM = /^:([A-Za-z_$][\w$]*)$/

/**
 * Where a guard's database or resource comes from: a literal name, a route parameter written
 * `':name'` (a name of letters, digits and `_` after one colon; Datasette's `':memory:'` is a
 * literal because of its trailing colon), or a function of the request.
 */
export type TargetSpec<Req> = string | ((request: Req) => string | null | undefined)

/** A target spec compiled once, when the guard is created. @internal */
export type TargetResolver<Req> = (request: Req, params: { readonly [key: string]: unknown } | undefined) => string | null

/** Compile a guard's database or resource argument. @internal */
export function compileTarget<Req>(spec: TargetSpec<Req> | null | undefined, what: string): TargetResolver<Req> {
  if (spec === undefined || spec === null) return () => null
  if (typeof spec === 'function') {
    return (request) => {
      const value = spec(request)
      if (value === undefined || value === null) return null
      // The value comes from the request (a JSON body, a query string): anything but a name is
      // the client's mistake, answered 400, not a 500.
      if (typeof value !== 'string') {
        throw new InvalidRequestError(`The request gives the ${what} as ${Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`}, not a name`)
      }
      return value
    }
  }
  if (typeof spec !== 'string' || spec === '') {
    throw new TypeError(`A guard's ${what} must be a non-empty string, a ':param' reference or a function of the request`)
  }
  const param = TARGET_PARAM.exec(spec)?.[1]
  if (param === undefined) return () => spec
  return (_request, params) => {
    const value = params?.[param]
    if (typeof value !== 'string' || value === '') {
      throw new TypeError(`The guard reads its ${what} from route parameter "${param}", but this route has no such parameter`)
    }
    return value
  }
}

/** Every option of `tokenAuth`: the gate's and the adapter's. @internal */
export const TOKEN_AUTH_OPTIONS: readonly string[] = [...GATE_OPTION_NAMES, 'onError', 'actorCookie']

/** Every option of a guard or endpoint. @internal */
export const ADAPTER_OPTIONS: readonly string[] = ['onError']

/** What `tokenAuth` leaves for the guards of a request: the gate, its internals and the error mode. @internal */
export interface AdapterState {
  readonly gate: Gate
  readonly internals: GateInternals
  readonly onError: OnError
  /** Whether `ds_actor` cookies sign requests in (and cross-origin changes are refused). */
  readonly actorCookie: boolean
}

/**
 * The state behind a `tokenAuth` middleware: an existing gate is used as is; a configuration or
 * a path makes a new one with the gate options. Options are checked strictly here, once.
 * @internal
 */
export function adapterState(
  configOrGate: TokengateConfigInput | string | Gate | undefined,
  options: GateOptions & AdapterOptions & SessionOptions,
): AdapterState {
  checkOptionNames(options, TOKEN_AUTH_OPTIONS, 'tokenAuth')
  const onError = onErrorFrom(options)
  const { onError: _onError, actorCookie = false, ...gateOptions } = options
  if (typeof actorCookie !== 'boolean') throw new TypeError('"actorCookie" option must be true or false')
  let gate: Gate
  if (typeof configOrGate === 'object' && configOrGate !== null && GATE_INTERNALS in configOrGate) {
    if (Object.keys(gateOptions).length > 0) {
      throw new TypeError(
        `Gate options (${Object.keys(gateOptions).join(', ')}) cannot be applied to an existing gate: pass them to createGate instead`,
      )
    }
    gate = configOrGate as Gate
  } else {
    gate = createGate(configOrGate as TokengateConfigInput | string | undefined, gateOptions)
  }
  const internals = internalsOf(gate, 'tokenAuth')
  if (actorCookie && !internals.canReadActorCookie) {
    throw new TypeError('"actorCookie" needs a secret to verify cookies with: set "secret" in the configuration or the gate options')
  }
  return Object.freeze({ gate, internals, onError, actorCookie })
}

/** Validate the `onError` option. @internal */
export function onErrorFrom(options: AdapterOptions | undefined, fallback: OnError = 'respond'): OnError {
  const value = options?.onError ?? fallback
  if (value !== 'respond' && value !== 'next') {
    throw new TypeError(`"onError" option must be 'respond' or 'next', got ${JSON.stringify(value)}`)
  }
  return value
}

/** A guard's arguments, checked and compiled once when the guard is created. @internal */
export interface CompiledGuard<Req> {
  readonly action: string
  readonly databaseOf: TargetResolver<Req>
  readonly resourceOf: TargetResolver<Req>
  /** The guard's own `onError`, or `undefined` to use tokenAuth's. */
  readonly onError: OnError | undefined
}

/**
 * Check and compile `requirePermission(action, database, resource, options)`: misuse throws a
 * TypeError when the route is declared, not on a request.
 * @internal
 */
export function compileGuard<Req>(
  action: unknown,
  database: TargetSpec<Req> | null | undefined,
  resource: TargetSpec<Req> | null | undefined,
  options: AdapterOptions | undefined,
): CompiledGuard<Req> {
  if (typeof action !== 'string' || action === '') throw new TypeError('requirePermission needs an action name, such as "view-table"')
  checkOptionNames(options, ADAPTER_OPTIONS, 'requirePermission')
  if (resource != null && database == null) throw new TypeError(`requirePermission("${action}") has a resource but no database`)
  return {
    action,
    databaseOf: compileTarget(database, 'database'),
    resourceOf: compileTarget(resource, 'resource'),
    onError: options?.onError === undefined ? undefined : onErrorFrom(options),
  }
}

/**
 * The permissions-debug endpoint, framework-neutral: checks `permissions-debug` for the actor,
 * reads `action`, `database` and `resource` through `param`, and returns the response body.
 * @throws AuthenticationRequiredError / ForbiddenError when the actor may not debug;
 * InvalidParameterError (400) for a missing or unknown action or a resource without database.
 * @internal
 */
export function explainForDebug(
  gate: Gate,
  actor: Actor | null,
  param: (name: string) => unknown,
  facts?: RequestFacts,
): { ok: true; actor: Actor | null; decision: Decision } {
  internalsOf(gate, 'permissionsDebug').check(actor, 'permissions-debug', null, null, facts)
  const single = (name: string): string | null => {
    const value = param(name)
    if (value === undefined || value === '') return null
    if (typeof value !== 'string') throw new InvalidParameterError(name, `Send the ${name} query parameter once, as a plain string`)
    return value
  }
  const action = single('action')
  if (action === null) throw new InvalidParameterError('action', 'Name the action to explain: ?action=view-table&database=…&resource=…')
  if (gate.actions.get(action) === undefined) throw new InvalidParameterError('action', `Unknown action ${JSON.stringify(action)}`)
  const database = single('database')
  const resource = single('resource')
  if (resource !== null && database === null) throw new InvalidParameterError('database', 'A resource needs its database: add ?database=…')
  return { ok: true, actor, decision: gate.explain(actor, action, { database, resource }) }
}

/**
 * What `requireActor` decides, framework-neutral: `null` when the request has an actor, else the
 * 401 to answer, with the gate's realm.
 * @internal
 */
export function actorRequired(state: AdapterState, actor: Actor | null | undefined, facts?: RequestFacts): AuthenticationRequiredError | null {
  return state.internals.requireActor(actor, facts)
}
