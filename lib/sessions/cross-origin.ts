/**
 * Cross-origin protection for requests that carry a cookie (SPEC section 10), as Datasette
 * 1.0a37 (`datasette/csrf.py`) and Go's `http.CrossOriginProtection` do it: no CSRF token, only
 * the headers browsers set and pages cannot forge.
 *
 * For a request whose method changes things (anything but GET, HEAD and OPTIONS):
 * 1. no `Cookie` header: not a cookie session, nothing to protect (a bearer client);
 * 2. `Sec-Fetch-Site` present: `same-origin` or `none` (typed in the address bar, a bookmark)
 *    pass; anything else (`same-site`, `cross-site`) is refused;
 * 3. no `Sec-Fetch-Site` but an `Origin`: it must be the server's own origin (scheme, host and
 *    port, default ports filled in); a malformed or `null` origin is refused;
 * 4. neither header: not a browser (curl, a script), passes, as in Datasette and Go.
 *
 * Refused → 403 {@link CrossOriginError}, before anything runs, so nothing is changed.
 *
 * Datasette and Go check every unsafe request except bearer ones without a cookie; tokengate
 * checks those that carry a cookie, as SPEC section 10 says, which is the same set for a
 * browser (a cross-site form post without cookies has no session to abuse).
 *
 * @module
 */
import { CrossOriginError } from '../errors.js'

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])

/** What {@link crossOriginProblem} looks at. */
export interface CrossOriginRequest {
  /** The request method, any case. */
  readonly method: string
  /** The request headers, lower-case names (Node's `req.headers`). */
  readonly headers: { readonly [name: string]: string | readonly string[] | undefined }
  /**
   * The server's own origin as the request reached it, such as `https://example.com` or
   * `http://127.0.0.1:8001`; a function is called only when the origin is compared.
   */
  readonly origin: string | (() => string)
}

function single(value: string | readonly string[] | undefined): string | undefined {
  return value === undefined ? undefined : typeof value === 'string' ? value : value.join(', ')
}

/** An origin in normal form (`scheme://host[:port]`, default port dropped, lower-case), or `null` when malformed. */
function normalOrigin(text: string): string | null {
  if (text === 'null' || text.trim() !== text || text === '') return null
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  // An Origin header is only scheme://host[:port]: a path, query, fragment or userinfo is malformed.
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || !(url.pathname === '/' && !text.endsWith('/'))) {
    return null
  }
  return url.origin
}

/**
 * Why a request must be refused as cross-origin, or `null` when it may go on.
 * @internal
 */
export function crossOriginProblem(request: CrossOriginRequest): string | null {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return null
  if (request.headers['cookie'] === undefined) return null
  const site = single(request.headers['sec-fetch-site'])
  if (site !== undefined) {
    const value = site.trim().toLowerCase()
    return value === 'same-origin' || value === 'none' ? null : `Sec-Fetch-Site is ${JSON.stringify(site.slice(0, 40))}, not same-origin`
  }
  const origin = single(request.headers['origin'])
  if (origin === undefined) return null
  const given = normalOrigin(origin)
  if (given === null) return `the Origin header ${JSON.stringify(origin.slice(0, 100))} is not an origin`
  const own = normalOrigin(typeof request.origin === 'function' ? request.origin() : request.origin)
  return given === own ? null : `the Origin ${JSON.stringify(given)} is not this server's origin`
}

/**
 * Check a request that may carry a cookie session: returns when it may go on.
 *
 * @throws CrossOriginError (`ERR_CROSS_ORIGIN`, 403) for a change marked cross-site by
 * `Sec-Fetch-Site`, or carrying a foreign or malformed `Origin`.
 * @example
 * ```ts
 * checkCrossOrigin({ method: req.method, headers: req.headers, origin: `${req.protocol}://${req.get('host')}` })
 * ```
 */
export function checkCrossOrigin(request: CrossOriginRequest): void {
  const refused = crossOriginRefusal(request)
  if (refused !== null) throw refused
}

/** The 403 to answer a request with, or `null` when it may go on. @internal */
export function crossOriginRefusal(request: CrossOriginRequest): CrossOriginError | null {
  const problem = crossOriginProblem(request)
  return problem === null ? null : new CrossOriginError(`Cross-origin request refused: ${problem}`)
}
