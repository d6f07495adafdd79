/**
 * Reading the presented token from a request: the `Authorization` header as RFC 6750 writes it
 * (`Bearer <token>`, scheme case-insensitive, one or more spaces, the token verbatim), and,
 * when an application opts in, a query-string parameter (SPEC section 6, "Header" and "Query
 * parameter").
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js'
import { checkOptionNames } from '../internal/options.js'

/** What {@link readToken} needs from a request. */
export interface CredentialsInput {
  /** The `Authorization` header value, if any. */
  authorization?: string | readonly string[] | undefined
  /** The parsed query string (Express's `req.query`, Koa's `ctx.query`), if any. */
  query?: { readonly [key: string]: unknown } | undefined
}

/** Options of {@link readToken}. */
export interface ReadTokenOptions {
  /**
   * Authorization schemes that carry a token, compared case-insensitively.
   * @defaultValue `['Bearer']`
   */
  schemes?: readonly string[]
  /** A query-string parameter that may carry the token, or `null` for none. @defaultValue null */
  queryParam?: string | null
}

/** Where a token was found. */
export interface PresentedToken {
  token: string
  from: 'header' | 'query'
}

const WHITESPACE = /\s/

/**
 * Lower-case A–Z only. Scheme names are ASCII (RFC 7235 token); `toLowerCase` would also fold
 * other characters onto ASCII ones (the Kelvin sign K to k), so a scheme spelled with them
 * would match.
 * @internal
 */
export function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase())
}

/**
 * Whether `text` is one of the lower-case `names` with A–Z folded and nothing else: compared
 * code unit by code unit, without allocating (this runs on every request).
 */
function isSchemeOf(text: string, names: readonly string[]): boolean {
  outer: for (const name of names) {
    if (name.length !== text.length) continue
    for (let i = 0; i < text.length; i++) {
      let code = text.charCodeAt(i)
      if (code >= 65 && code <= 90) code += 32
      if (code !== name.charCodeAt(i)) continue outer
    }
    return true
  }
  return false
}

/**
 * A token reader for fixed options: what {@link readToken} does, with the options prepared once.
 * The request's query string is read (through `queryOf`) only when a parameter is configured.
 * @internal
 */
export type TokenReader = <C>(authorization: string | readonly string[] | undefined, carrier: C, queryOf: (carrier: C) => CredentialsInput['query']) => PresentedToken | null

/**
 * Prepare a token reader: scheme names lower-cased once, the header parsed by index (this runs on
 * every request).
 * @internal
 */
export function compileTokenReader(options: ReadTokenOptions = {}): TokenReader {
  const schemes = (options.schemes ?? ['Bearer']).map(asciiLowerCase)
  const param = options.queryParam ?? null
  return function readPresentedToken(authorization, carrier, queryOf) {
    let header = authorization
    if (Array.isArray(header)) {
      if (header.length > 1) throw new InvalidRequestError('Send one Authorization header, not several')
      header = header[0]
    }
    if (typeof header === 'string' && header !== '') {
      let end = 0
      while (end < header.length && header[end] !== ' ' && header[end] !== '\t') end++
      const scheme = header.slice(0, end)
      if (!isSchemeOf(scheme, schemes)) return null
      let start = end
      while (start < header.length && (header[start] === ' ' || header[start] === '\t')) start++
      const rest = header.slice(start)
      if (rest === '') throw new InvalidRequestError(`The Authorization header has the ${scheme} scheme but no token`)
      if (header.slice(end, start).includes('\t')) {
        throw new InvalidRequestError(`Separate the ${scheme} scheme from the token with a space`)
      }
      if (WHITESPACE.test(rest)) throw new InvalidRequestError('The token in the Authorization header must not contain whitespace')
      if (param !== null && readQuery(queryOf(carrier), param) !== null) {
        throw new InvalidRequestError('Send the token once: in the Authorization header or in the query string, not both')
      }
      return { token: rest, from: 'header' }
    }
    // The query string is read only when a parameter is configured: a framework may parse it
    // lazily (Express 5 does, on first access).
    const fromQuery = param === null ? null : readQuery(queryOf(carrier), param)
    return fromQuery === null ? null : { token: fromQuery, from: 'query' }
  }
}

const queryOfInput = (input: CredentialsInput): CredentialsInput['query'] => input.query

/**
 * The token a request presents, or `null` when it presents none (an anonymous request).
 *
 * - No `Authorization` header (or an empty one) and no query token → `null`.
 * - A header with another scheme (`Basic …`) → `null`: not read, and the query parameter is not
 *   read either.
 * - `Bearer` with no token, a token containing whitespace, a tab after the scheme, or several
 *   Authorization headers → {@link InvalidRequestError} (400).
 * - A Bearer token and a non-empty query parameter together, or the parameter given more than
 *   once → {@link InvalidRequestError} (400).
 *
 * @throws InvalidRequestError (`ERR_INVALID_REQUEST`) for a malformed request.
 * @example
 * ```ts
 * readToken({ authorization: 'Bearer dstok_abc.def' }) // { token: 'dstok_abc.def', from: 'header' }
 * readToken({ authorization: 'Basic dXNlcjpwYXNz' })   // null
 * ```
 */
export function readToken(input: CredentialsInput, options: ReadTokenOptions = {}): PresentedToken | null {
  checkOptionNames(options, ['schemes', 'queryParam'], 'readToken')
  return compileTokenReader(options)(input.authorization, input, queryOfInput)
}

function readQuery(query: CredentialsInput['query'], param: string): string | null {
  if (query === undefined) return null
  if (!Object.prototype.hasOwnProperty.call(query, param)) return null
  const value = query[param]
  if (Array.isArray(value)) {
    throw new InvalidRequestError(`Send the ${param} query parameter once, not several times`)
  }
  if (typeof value !== 'string') {
    if (value === undefined) return null
    throw new InvalidRequestError(`The ${param} query parameter must be a plain string`)
  }
  return value === '' ? null : value
}
