/**
 * Every error tokengate throws on purpose, in one file (as jose keeps its errors).
 *
 * One base class, {@link TokengateError}, and one class per stable code. Each class carries its
 * code twice: as a static (`InvalidTokenError.code`) and on every instance, typed as its own
 * literal, so `switch (err.code)` over {@link AnyTokengateError} narrows to the class.
 *
 * Two families share the base:
 * - **Credential errors** ({@link AuthError}): a malformed request (400), an invalid token (401),
 *   an anonymous request that must authenticate (401), an actor without the permission (403).
 *   They alone carry the RFC 6750 `WWW-Authenticate` challenge and its realm.
 * - **Plain HTTP errors** ({@link HttpError}): a bad parameter (400) and the statuses of token
 *   management and limits. No challenge: they are not about credentials.
 *
 * The rest are programming or configuration errors (status 500, `expose: false`): a bug in the
 * calling program, never something an HTTP client did.
 *
 * Every request-time error carries what a host framework needs to render it unaided: `status`
 * (and `statusCode`), `expose`, and `headers`. Express's final handler and Koa's `ctx.onerror`
 * both honour those fields.
 *
 * Messages never contain a token or a secret.
 *
 * @module
 */
import type { Decision } from './types.js'

/**
 * The stable codes. Each one is documented in `docs/errors.md`; switch on the code (or on
 * {@link InvalidTokenError.reason}), never on the message.
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
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_RATE_LIMITED'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_CROSS_ORIGIN'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_PAYLOAD_TOO_LARGE'

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

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})

/**
 * Base class of every tokengate error. Not thrown itself: each subclass fixes its code and
 * status.
 *
 * @example
 * ```ts
 * try {
 *   await gate.authenticate({ authorization })
 * } catch (err) {
 *   if (isTokengateError(err) && err.code === 'ERR_INVALID_TOKEN') console.log(err.reason)
 * }
 * ```
 */
export abstract class TokengateError extends Error {
  /** The stable code of this error. */
  abstract readonly code: TokengateErrorCode
  /** HTTP status a server should answer with. */
  abstract readonly status: number

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
  }

  /** The same as {@link TokengateError.status}, for frameworks that read `statusCode`. */
  get statusCode(): number {
    return this.status
  }

  /** Whether the message is safe to show to an HTTP client (Koa reads this): true below 500. */
  get expose(): boolean {
    return this.status < 500
  }

  /** Response headers that belong to this error; none unless a subclass says otherwise. */
  get headers(): Readonly<Record<string, string>> {
    return NO_HEADERS
  }

  /** The JSON body of SPEC section 8. A non-exposed error says only "Internal Server Error". */
  toJSON(): ErrorBody {
    const message = this.expose ? this.message : 'Internal Server Error'
    return { ok: false, error: message, errors: [message], status: this.status }
  }
}

/**
 * A credential error: its response carries the RFC 6750 challenge
 * `WWW-Authenticate: Bearer realm="…"`, with `error="…"` where RFC 6750 names one.
 */
export abstract class AuthError extends TokengateError {
  /**
   * The realm named in the challenge. The gate sets it to its `realm` option before the error
   * leaves tokengate.
   * @defaultValue `"tokengate"`
   */
  realm = 'tokengate'

  /** The RFC 6750 error code for the challenge, if this error has one. */
  protected get challengeError(): string | undefined {
    return undefined
  }

  override get headers(): Readonly<Record<string, string>> {
    const error = this.challengeError
    const params = [`realm=${quote(this.realm)}`]
    if (error !== undefined) params.push(`error=${quote(error)}`)
    return { 'WWW-Authenticate': `Bearer ${params.join(', ')}` }
  }
}

/**
 * A plain HTTP error: a status and a message for the client, and the headers it needs (such as
 * `Retry-After`), but no challenge.
 */
export abstract class HttpError extends TokengateError {
  readonly #headers: Readonly<Record<string, string>>

  constructor(message: string, options?: HttpErrorOptions) {
    super(message, options)
    this.#headers = options?.headers === undefined ? NO_HEADERS : Object.freeze({ ...options.headers })
  }

  override get headers(): Readonly<Record<string, string>> {
    return this.#headers
  }
}

/**
 * A configuration is invalid: thrown when a config is loaded or a gate is created, never per
 * request. The message names the JSON path, what was found and what is expected.
 */
export class ConfigError extends TokengateError {
  static readonly code = 'ERR_CONFIG_INVALID'
  readonly code = 'ERR_CONFIG_INVALID'
  readonly status = 500
  /** JSON path of the first problem, such as `databases.docs.tables.t.allow`. */
  readonly path: string
  /** Every problem found, each with its path and message. */
  readonly problems: readonly { path: string; message: string }[]
  /** The file the configuration was read from, when it was read from one. */
  readonly source: string | undefined

  constructor(problems: readonly { path: string; message: string }[], options?: { cause?: unknown; source?: string }) {
    const first = problems[0] ?? { path: '(root)', message: 'invalid configuration' }
    const where = options?.source === undefined ? '' : ` in ${options.source}`
    const list =
      problems.length === 1 ? `${first.path}: ${first.message}` : problems.map((p) => `\n  - ${p.path}: ${p.message}`).join('')
    super(`Invalid tokengate configuration${where}: ${list}`, options)
    this.path = first.path
    this.problems = problems
    this.source = options?.source
  }
}

/** A check named an action that is not registered. A programming error, not a client error. */
export class UnknownActionError extends TokengateError {
  static readonly code = 'ERR_UNKNOWN_ACTION'
  readonly code = 'ERR_UNKNOWN_ACTION'
  readonly status = 500
  /** The name that was looked up. */
  readonly action: string

  /**
   * @param action - the name that was looked up.
   * @param hint - what to do instead, such as `did you mean "view-table"?`.
   */
  constructor(action: string, hint?: string) {
    super(
      hint === undefined
        ? `Unknown action ${JSON.stringify(action)}: register it in the config's "actions" or with the gate's "actions" option`
        : `Unknown action ${JSON.stringify(action)}; ${hint}`,
    )
    this.action = action
  }
}

/** The request is malformed (RFC 6750 `invalid_request`): a bad Authorization header, or a token given twice. */
export class InvalidRequestError extends AuthError {
  static readonly code = 'ERR_INVALID_REQUEST'
  readonly code = 'ERR_INVALID_REQUEST'
  readonly status = 400

  protected override get challengeError(): string {
    return 'invalid_request'
  }
}

/**
 * Why a token was refused: a closed list, stable like the codes, so a program (the CLI, a log
 * pipeline, a test) switches on it instead of on the message.
 *
 * - `malformed`: not decodable as the kind of token it claims to be (bad base64url, JSON, zlib, shape).
 * - `unknown`: well formed, but no source knows it.
 * - `bad_signature`: the signature does not verify with any configured key.
 * - `algorithm_not_allowed`: a JWT signed with an algorithm the configuration does not accept.
 * - `expired`: past its expiry.
 * - `not_yet_valid`: before its `nbf`.
 * - `revoked`: revoked one by one (managed tokens).
 * - `owner_gone`: the actor the token stands for no longer exists (`resolveActor` said so).
 * - `disabled`: this kind of token is turned off (`allow_signed_tokens: false`, no secret).
 * - `invalid_claims`: signed and decodable, but a claim is missing or has the wrong type.
 * - `invalid_restrictions`: the token's `_r` is malformed.
 * - `rejected`: a custom token source refused it without saying why.
 */
export type InvalidTokenReason =
  | 'malformed'
  | 'unknown'
  | 'bad_signature'
  | 'algorithm_not_allowed'
  | 'expired'
  | 'not_yet_valid'
  | 'revoked'
  | 'owner_gone'
  | 'disabled'
  | 'invalid_claims'
  | 'invalid_restrictions'
  | 'rejected'

/** Every reason, in the order of {@link InvalidTokenReason}'s documentation. @internal */
export const INVALID_TOKEN_REASONS: readonly InvalidTokenReason[] = Object.freeze([
  'malformed',
  'unknown',
  'bad_signature',
  'algorithm_not_allowed',
  'expired',
  'not_yet_valid',
  'revoked',
  'owner_gone',
  'disabled',
  'invalid_claims',
  'invalid_restrictions',
  'rejected',
])

/** A presented token is invalid, expired, revoked or unknown (RFC 6750 `invalid_token`). */
export class InvalidTokenError extends AuthError {
  static readonly code = 'ERR_INVALID_TOKEN'
  readonly code = 'ERR_INVALID_TOKEN'
  readonly status = 401
  /** Why the token was refused. */
  readonly reason: InvalidTokenReason

  /**
   * @param message - what the client is told, such as `Token has expired`. Never the token.
   * @param options - `reason` (default `rejected`, for a custom source that says no more) and
   * `cause`, the precise failure for logs.
   */
  constructor(message: string, options?: { reason?: InvalidTokenReason; cause?: unknown }) {
    super(message, options)
    this.reason = options?.reason ?? 'rejected'
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

/**
 * An anonymous request was denied: the client should authenticate (401 with a bare challenge).
 * Without a check, the route admits any authenticated caller and nobody else (`requireActor`).
 */
export class AuthenticationRequiredError extends AuthError {
  static readonly code = 'ERR_AUTHENTICATION_REQUIRED'
  readonly code = 'ERR_AUTHENTICATION_REQUIRED'
  readonly status = 401
  /** The check that was denied, or `null` when any authenticated caller would do. */
  readonly check: DeniedCheck | null
  /** The decision that denied it, as {@link Gate.explain} returns it. */
  readonly decision: Decision | undefined

  constructor(check: DeniedCheck | null = null, decision?: Decision) {
    super(check === null ? 'Authentication required' : `Authentication required: ${describeCheck(check)}`)
    this.check = check
    this.decision = decision
  }
}

/** An authenticated actor was denied (403, RFC 6750 `insufficient_scope`). */
export class ForbiddenError extends AuthError {
  static readonly code = 'ERR_FORBIDDEN'
  readonly code = 'ERR_FORBIDDEN'
  readonly status = 403
  /** The check that was denied. */
  readonly check: DeniedCheck
  /** The decision that denied it, as {@link Gate.explain} returns it. */
  readonly decision: Decision | undefined

  /**
   * @param check - the check that was denied.
   * @param decision - the decision that denied it.
   * @param message - what the client is told, when more precise than `Permission denied: <check>`
   * (token administration names the grants it refuses).
   */
  constructor(check: DeniedCheck, decision?: Decision, message?: string) {
    super(message ?? `Permission denied: ${describeCheck(check)}`)
    this.check = check
    this.decision = decision
  }

  protected override get challengeError(): string {
    return 'insufficient_scope'
  }
}

/** An InfluxDB-style permission string (`TYPE:NAMES:ACTIONS`) is invalid. */
export class PermissionStringError extends HttpError {
  static readonly code = 'ERR_PERMISSION_STRING'
  readonly code = 'ERR_PERMISSION_STRING'
  readonly status = 400
  /** The string that was rejected. */
  readonly permission: string
  /**
   * Which part is wrong: `format` (not three non-empty `:`-separated fields; the message quotes
   * the whole string), `type`, `names` or `actions` (the message names the bad part).
   */
  readonly field: 'format' | 'type' | 'names' | 'actions'

  constructor(permission: string, message: string, field: PermissionStringError['field'] = 'format') {
    super(message)
    this.permission = permission
    this.field = field
  }
}

/**
 * Middleware is wired wrongly: a guard ran without `tokenAuth` in front of it. Fails loudly
 * (500, not exposed) instead of treating every request as anonymous.
 */
export class MiddlewareOrderError extends TokengateError {
  static readonly code = 'ERR_MIDDLEWARE_ORDER'
  readonly code = 'ERR_MIDDLEWARE_ORDER'
  readonly status = 500
}

/**
 * A request parameter of one of tokengate's own endpoints is missing or invalid (400, no
 * challenge: this is not about credentials). The permissions-debug endpoint uses it.
 */
export class InvalidParameterError extends HttpError {
  static readonly code = 'ERR_INVALID_PARAMETER'
  readonly code = 'ERR_INVALID_PARAMETER'
  readonly status = 400
  /** The parameter that was wrong. */
  readonly parameter: string

  constructor(parameter: string, message: string) {
    super(message)
    this.parameter = parameter
  }
}

/** What a plain HTTP error may take besides its message. */
export interface HttpErrorOptions {
  /** The precise failure, for logs. */
  cause?: unknown
  /** Response headers that belong to the error, such as `Retry-After`. */
  headers?: Readonly<Record<string, string>>
}

/** Something a request names does not exist, or is not visible to the caller (404). */
export class NotFoundError extends HttpError {
  static readonly code = 'ERR_NOT_FOUND'
  readonly code = 'ERR_NOT_FOUND'
  readonly status = 404
}

/**
 * A request conflicts with the current state (409): a name already taken, a revoked token edited
 * or rotated.
 */
export class ConflictError extends HttpError {
  static readonly code = 'ERR_CONFLICT'
  readonly code = 'ERR_CONFLICT'
  readonly status = 409
}

/**
 * Too many requests for a rate limit (429). Carries `Retry-After` (whole seconds) and the IETF
 * draft's `RateLimit-Policy` and `RateLimit` headers.
 */
export class RateLimitError extends HttpError {
  static readonly code = 'ERR_RATE_LIMITED'
  readonly code = 'ERR_RATE_LIMITED'
  readonly status = 429
  /** Seconds until a request may succeed again. */
  readonly retryAfter: number

  constructor(retryAfter: number, options?: HttpErrorOptions & { message?: string }) {
    const seconds = Math.max(1, Math.ceil(retryAfter))
    super(options?.message ?? 'Rate limit exceeded', {
      ...options,
      headers: { ...options?.headers, 'Retry-After': String(seconds) },
    })
    this.retryAfter = seconds
  }
}

/**
 * A store the request needs cannot be reached (503), so nothing is decided: fail closed, and tell
 * the client when to try again (`Retry-After`, whole seconds).
 */
export class StoreUnavailableError extends HttpError {
  static readonly code = 'ERR_STORE_UNAVAILABLE'
  readonly code = 'ERR_STORE_UNAVAILABLE'
  readonly status = 503
  /** Seconds after which to try again. */
  readonly retryAfter: number

  constructor(message = 'Token store unavailable', options?: HttpErrorOptions & { retryAfter?: number }) {
    const seconds = Math.max(1, Math.ceil(options?.retryAfter ?? 5))
    super(message, { ...options, headers: { ...options?.headers, 'Retry-After': String(seconds) } })
    this.retryAfter = seconds
  }

  /** A 503 is the client's to see (it says to come back), unlike other 5xx. */
  override get expose(): boolean {
    return true
  }
}

/**
 * A request that changes something and carries a cookie came from another site (403): its
 * `Sec-Fetch-Site` says so, or its `Origin` is not the server's (SPEC section 10). Nothing ran.
 */
export class CrossOriginError extends HttpError {
  static readonly code = 'ERR_CROSS_ORIGIN'
  readonly code = 'ERR_CROSS_ORIGIN'
  readonly status = 403
}

/** A request body of a type an endpoint does not read (415): tokengate's endpoints read JSON only. */
export class UnsupportedMediaTypeError extends HttpError {
  static readonly code = 'ERR_UNSUPPORTED_MEDIA_TYPE'
  readonly code = 'ERR_UNSUPPORTED_MEDIA_TYPE'
  readonly status = 415
}

/** A request body larger than the endpoint accepts (413). */
export class PayloadTooLargeError extends HttpError {
  static readonly code = 'ERR_PAYLOAD_TOO_LARGE'
  readonly code = 'ERR_PAYLOAD_TOO_LARGE'
  readonly status = 413
}

/**
 * Every concrete tokengate error. `switch (err.code)` on a value of this type narrows to the
 * class, so `err.reason` is there under `case 'ERR_INVALID_TOKEN'`.
 */
export type AnyTokengateError =
  | ConfigError
  | UnknownActionError
  | InvalidRequestError
  | InvalidTokenError
  | AuthenticationRequiredError
  | ForbiddenError
  | PermissionStringError
  | MiddlewareOrderError
  | InvalidParameterError
  | NotFoundError
  | ConflictError
  | RateLimitError
  | StoreUnavailableError
  | CrossOriginError
  | UnsupportedMediaTypeError
  | PayloadTooLargeError

/** Every code, in the order of docs/errors.md. @internal */
export const ERROR_CODES: readonly TokengateErrorCode[] = Object.freeze([
  ConfigError.code,
  UnknownActionError.code,
  InvalidRequestError.code,
  InvalidTokenError.code,
  AuthenticationRequiredError.code,
  ForbiddenError.code,
  PermissionStringError.code,
  MiddlewareOrderError.code,
  InvalidParameterError.code,
  NotFoundError.code,
  ConflictError.code,
  RateLimitError.code,
  StoreUnavailableError.code,
  CrossOriginError.code,
  UnsupportedMediaTypeError.code,
  PayloadTooLargeError.code,
])

/**
 * Whether a value is a tokengate error. Works across module copies (it checks the shape and
 * the code, not `instanceof`), and narrows to {@link AnyTokengateError}.
 */
export function isTokengateError(value: unknown): value is AnyTokengateError {
  if (value instanceof TokengateError) return true
  if (!(value instanceof Error)) return false
  const { code, status } = value as Error & { code?: unknown; status?: unknown }
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code) && typeof status === 'number'
}
