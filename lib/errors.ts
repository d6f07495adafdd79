/**
 * Every error tokengate throws on purpose.
 *
 * One base class, {@link TokengateError}, with a closed union of stable codes
 * ({@link TokengateErrorCode}). Request-time errors carry what a host framework needs to render
 * them unaided: `status` (and `statusCode`), `expose`, and `headers` with the RFC 6750
 * `WWW-Authenticate` challenge. Express's final handler and Koa's `ctx.onerror` both honour those
 * fields, so handing one of these errors to the framework keeps the status and the challenge.
 *
 * Misuse of the API (a wrong option type, an unknown action name in a check) throws a coded
 * error too, but with `expose: false` and status 500: it is a bug in the calling program, not
 * something the HTTP client did.
 *
 * Messages never contain a token or a secret.
 *
 * @module
 */

/**
 * The stable codes. `switch (err.code)` narrows on them; each one is documented in
 * `docs/errors.md`.
 */
export type TokengateErrorCode =
  | 'ERR_CONFIG_INVALID'
  | 'ERR_UNKNOWN_ACTION'
  | 'ERR_INVALID_REQUEST'
  | 'ERR_INVALID_TOKEN'
  | 'ERR_AUTHENTICATION_REQUIRED'
  | 'ERR_FORBIDDEN'
  | 'ERR_PERMISSION_STRING'
  | 'ERR_MIDDLEWARE_ORDER'
  | 'ERR_INVALID_PARAMETER'

/** The JSON body tokengate sends for an error (SPEC section 8). */
export interface ErrorBody {
  ok: false
  error: string
  errors: string[]
  status: number
}

/** Quote a value for an RFC 7235 auth-param (quoted-string). */
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`
}

/**
 * Base class of every tokengate error.
 *
 * @example
 * ```ts
 * try {
 *   await gate.authenticate({ authorization })
 * } catch (err) {
 *   if (isTokengateError(err) && err.code === 'ERR_INVALID_TOKEN') { … }
 * }
 * ```
 */
export class TokengateError extends Error {
  /** The stable code of this error. */
  readonly code: TokengateErrorCode
  /** HTTP status a server should answer with. */
  readonly status: number
  /** The same as {@link TokengateError.status}, for frameworks that read `statusCode`. */
  readonly statusCode: number
  /** Whether the message is safe to show to an HTTP client (Koa reads this). */
  readonly expose: boolean
  /**
   * The realm named in the `WWW-Authenticate` challenge. The layer that knows the configured
   * realm (the gate, the middleware) sets it before the error leaves tokengate.
   * @defaultValue `"tokengate"`
   */
  realm = 'tokengate'

  constructor(
    code: TokengateErrorCode,
    status: number,
    message: string,
    options?: { cause?: unknown; expose?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.status = status
    this.statusCode = status
    this.expose = options?.expose ?? status < 500
  }

  /** The RFC 6750 error code for the challenge, if this error has one. */
  protected get challengeError(): string | undefined {
    return undefined
  }

  /** Response headers that belong to this error (the `WWW-Authenticate` challenge). */
  get headers(): Record<string, string> {
    if (this.status !== 400 && this.status !== 401 && this.status !== 403) return {}
    const error = this.challengeError
    const params = [`realm=${quote(this.realm)}`]
    if (error !== undefined) params.push(`error=${quote(error)}`)
    return { 'WWW-Authenticate': `Bearer ${params.join(', ')}` }
  }

  /** The JSON body of SPEC section 8. A non-exposed error says only "Internal Server Error". */
  toJSON(): ErrorBody {
    const message = this.expose ? this.message : 'Internal Server Error'
    return { ok: false, error: message, errors: [message], status: this.status }
  }
}

/**
 * A configuration is invalid: thrown when a config is loaded or a gate is created, never per
 * request. The message names the JSON path, what was found and what is expected.
 */
export class ConfigError extends TokengateError {
  /** JSON path of the first problem, such as `databases.docs.tables.t.allow`. */
  readonly path: string
  /** Every problem found, each with its path and message. */
  readonly problems: readonly { path: string; message: string }[]

  constructor(
    problems: readonly { path: string; message: string }[],
    options?: { cause?: unknown; source?: string },
  ) {
    const first = problems[0] ?? { path: '(root)', message: 'invalid configuration' }
    const where = options?.source === undefined ? '' : ` in ${options.source}`
    const list =
      problems.length === 1
        ? `${first.path}: ${first.message}`
        : problems.map((p) => `\n  - ${p.path}: ${p.message}`).join('')
    super('ERR_CONFIG_INVALID', 500, `Invalid tokengate configuration${where}: ${list}`, {
      ...options,
      expose: false,
    })
    this.path = first.path
    this.problems = problems
  }
}

/** A check named an action that is not registered. A programming error, not a client error. */
export class UnknownActionError extends TokengateError {
  /** The name that was looked up. */
  readonly action: string

  constructor(action: string) {
    super(
      'ERR_UNKNOWN_ACTION',
      500,
      `Unknown action ${JSON.stringify(action)}: register it in the config's "actions" or with the gate's "actions" option`,
      { expose: false },
    )
    this.action = action
  }
}

/** The request is malformed (RFC 6750 `invalid_request`): a bad Authorization header, or a token given twice. */
export class InvalidRequestError extends TokengateError {
  constructor(message: string) {
    super('ERR_INVALID_REQUEST', 400, message)
  }

  protected override get challengeError(): string {
    return 'invalid_request'
  }
}

/** A presented token is invalid, expired, revoked or unknown (RFC 6750 `invalid_token`). */
export class InvalidTokenError extends TokengateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_TOKEN', 401, message, options)
  }

  protected override get challengeError(): string {
    return 'invalid_token'
  }
}

/** Where a denied check pointed. */
export interface DeniedCheck {
  action: string
  database: string | null
  resource: string | null
}

function describeCheck({ action, database, resource }: DeniedCheck): string {
  if (database === null) return action
  return resource === null ? `${action} on ${database}` : `${action} on ${database}/${resource}`
}

/** An anonymous request was denied: the client should authenticate (401 with a bare challenge). */
export class AuthenticationRequiredError extends TokengateError {
  /** The check that was denied. */
  readonly check: DeniedCheck
  /** The decision that denied it, as {@link Gate.explain} returns it. */
  readonly decision: unknown

  constructor(check: DeniedCheck, decision?: unknown) {
    super('ERR_AUTHENTICATION_REQUIRED', 401, `Authentication required: ${describeCheck(check)}`)
    this.check = check
    this.decision = decision
  }
}

/** An authenticated actor was denied (403, RFC 6750 `insufficient_scope`). */
export class ForbiddenError extends TokengateError {
  /** The check that was denied. */
  readonly check: DeniedCheck
  /** The decision that denied it, as {@link Gate.explain} returns it. */
  readonly decision: unknown

  constructor(check: DeniedCheck, decision?: unknown) {
    super('ERR_FORBIDDEN', 403, `Permission denied: ${describeCheck(check)}`)
    this.check = check
    this.decision = decision
  }

  protected override get challengeError(): string {
    return 'insufficient_scope'
  }
}

/** An InfluxDB-style permission string (`TYPE:NAMES:ACTIONS`) is invalid. */
export class PermissionStringError extends TokengateError {
  /** The string that was rejected. */
  readonly permission: string

  constructor(permission: string, message: string) {
    super('ERR_PERMISSION_STRING', 400, message)
    this.permission = permission
  }

  override get headers(): Record<string, string> {
    return {}
  }
}

/**
 * Middleware is wired wrongly: a guard ran without `tokenAuth` in front of it. Fails loudly
 * (500, not exposed) instead of treating every request as anonymous.
 */
export class MiddlewareOrderError extends TokengateError {
  constructor(message: string) {
    super('ERR_MIDDLEWARE_ORDER', 500, message, { expose: false })
  }
}

/**
 * A request parameter of one of tokengate's own endpoints is missing or invalid (400, no
 * challenge: this is not about credentials). The permissions-debug endpoint uses it.
 */
export class InvalidParameterError extends TokengateError {
  /** The parameter that was wrong. */
  readonly parameter: string

  constructor(parameter: string, message: string) {
    super('ERR_INVALID_PARAMETER', 400, message)
    this.parameter = parameter
  }

  override get headers(): Record<string, string> {
    return {}
  }
}

/**
 * Whether a value is a tokengate error. Works across module copies (it checks the shape and
 * the code, not `instanceof`).
 */
export function isTokengateError(value: unknown): value is TokengateError {
  if (value instanceof TokengateError) return true
  if (!(value instanceof Error)) return false
  const { code, status } = value as Error & { code?: unknown; status?: unknown }
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code) && typeof status === 'number'
}

/** Every code, for documentation tests and `isTokengateError`. @internal */
export const ERROR_CODES: readonly TokengateErrorCode[] = [
  'ERR_CONFIG_INVALID',
  'ERR_UNKNOWN_ACTION',
  'ERR_INVALID_REQUEST',
  'ERR_INVALID_TOKEN',
  'ERR_AUTHENTICATION_REQUIRED',
  'ERR_FORBIDDEN',
  'ERR_PERMISSION_STRING',
  'ERR_MIDDLEWARE_ORDER',
  'ERR_INVALID_PARAMETER',
]
