/**
 * The framework-neutral shapes of token administration (SPEC section 10): a plain request in,
 * a plain response out, and the options every mount takes. The Express, Koa and Fastify mounts
 * only translate their framework's request and response into these.
 *
 * @module
 */
import type { RequestFacts } from '../events/observer.js'
import type { Actor } from '../types.js'
import type { LoginLink } from '../sessions/login-link.js'

/** A request as the handlers see it: no framework types. */
export interface AdminRequest {
  /** Upper-case method; HEAD is answered as GET. */
  readonly method: string
  /** The path below the mount point, such as `/-/api/tokens/0f3a…/revoke`. */
  readonly path: string
  /** The route's parameters, decoded (`{ id }`). */
  readonly params: { readonly [name: string]: string }
  /** The query string, each name with its values (a name sent twice has two). */
  readonly query: { readonly [name: string]: readonly string[] }
  /** The parsed JSON body, or `undefined` when there was none. */
  readonly body: unknown
  /** The actor `tokenAuth` set: `null` for anonymous. */
  readonly actor: Actor | null
  /** The request headers, lower-case names. */
  readonly headers: { readonly [name: string]: string | readonly string[] | undefined }
  /** The path the app mounted the admin under (Express's `req.baseUrl`), `''` at the root. */
  readonly mountPath: string
  /** Whether the request came over HTTPS (for the `Secure` cookie attribute). */
  readonly secure: boolean
  /**
   * What `tokenAuth` observed of the request, when the gate observes requests: the admin's own
   * permission checks then tell their events the method and path, and a managed token's usage
   * entry the action. @internal
   */
  readonly facts?: RequestFacts | undefined
}

/** A response as the handlers make it. */
export interface AdminResponse {
  readonly status: number
  readonly headers: { readonly [name: string]: string }
  /** An object is sent as JSON; a string as it is (with the content type in `headers`); `null` sends no body. */
  readonly body: object | string | null
}

/** Options of `tokenAdmin`, the same for Express, Koa and Fastify. */
export interface TokenAdminOptions {
  /** Where the JSON API is mounted. @defaultValue `'/-/api/tokens'` */
  basePath?: string
  /** Where the token page is served (and its script and stylesheet, below it). `null` for no page. @defaultValue `'/-/tokens'` */
  pagePath?: string | null
  /**
   * Also serve InfluxDB 3's token endpoints: `POST /api/v3/configure/token` and
   * `POST /api/v3/enterprise/configure/token` (create), `DELETE /api/v3/configure/token?token_name=`
   * (revoke by name).
   * @defaultValue false
   */
  influx?: boolean
  /**
   * Let callers authenticated by a token (an actor with `token` or `_r`) manage tokens. A token
   * then creates tokens only within its own restrictions and expiry, never rotates or changes
   * itself, and rotates another token only if that one lies within its restrictions and expiry.
   * @defaultValue false (403 `Tokens cannot manage tokens`)
   */
  allowTokenCallers?: boolean
  /**
   * The longest lifetime a new token may have, in seconds; with it, every token must expire
   * (`expires_after` is required and never-expiring tokens are refused).
   * @defaultValue no limit
   */
  maxExpiresAfter?: number | null
  /** The largest request body read, in bytes; larger → 413. @defaultValue 65536 */
  bodyLimit?: number
  /**
   * A one-time login link ({@link createLoginLink}) to serve at its path: visited once, it sets
   * the `ds_actor` cookie and redirects to the page.
   */
  loginLink?: LoginLink
  /** Where an anonymous visitor of the page is sent to sign in (a link on the 401 page). */
  signInUrl?: string
}
