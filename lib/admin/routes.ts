/**
 * The route table of token administration: method, path pattern, handler, and whether the
 * route reads a body. The mounts match a request against it; a request that matches no route
 * goes on to the rest of the app.
 *
 * | method and path | handler |
 * | --- | --- |
 * | `POST {base}` | create |
 * | `GET {base}` | list |
 * | `GET {base}/:id` | read, with the audit history |
 * | `PATCH {base}/:id` | change |
 * | `POST {base}/:id/revoke`, `DELETE {base}/:id` | revoke |
 * | `POST {base}/:id/rotate` | rotate |
 * | `GET {base}/:id/usage` | the usage log (SPEC section 11) |
 * | `POST /api/v3/configure/token`, `POST /api/v3/enterprise/configure/token` | InfluxDB 3 create (`influx`) |
 * | `DELETE /api/v3/configure/token`, `DELETE /api/v3/enterprise/configure/token` | InfluxDB 3 revoke by name (`influx`) |
 * | `GET {page}`, `GET {page}/page.js`, `GET {page}/page.css` | the page (`pagePath`) |
 * | `GET {login}` | a one-time login link (`loginLink`) |
 *
 * @module
 * @internal
 */
import type { AdminContext } from './handlers.js'
import type { AdminRequest, AdminResponse } from './types.js'

/** What kind of answer a route gives, so errors are rendered to match: JSON, or an HTML page. @internal */
export type RouteKind = 'api' | 'page'

/** One route. @internal */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** Segments: literals, and `:name` for a parameter. */
  readonly pattern: string
  readonly kind: RouteKind
  /** Whether the route reads a JSON body. */
  readonly body: boolean
  readonly handler: (request: AdminRequest, context: AdminContext) => AdminResponse | Promise<AdminResponse>
}

/** A route a request matched, with its decoded parameters. @internal */
export interface RouteMatch {
  readonly route: Route
  readonly params: { readonly [name: string]: string }
}

interface Compiled {
  readonly route: Route
  readonly segments: readonly string[]
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter((s) => s !== '')
}

/**
 * A matcher over a route table: `(method, path)` → the route and its parameters, or `null`.
 * HEAD matches GET routes; one trailing slash is ignored; a parameter that is not valid
 * percent-encoding matches nothing.
 * @internal
 */
export function routeMatcher(routes: readonly Route[]): (method: string, path: string) => RouteMatch | null {
  const compiled: Compiled[] = routes.map((route) => ({ route, segments: segmentsOf(route.pattern) }))
  return function match(method, path) {
    const wanted = method === 'HEAD' ? 'GET' : method
    if (!path.startsWith('/')) return null
    const given = segmentsOf(path)
    if (path.includes('//')) return null
    for (const { route, segments } of compiled) {
      if (route.method !== wanted || segments.length !== given.length) continue
      const params: Record<string, string> = {}
      let ok = true
      for (let i = 0; i < segments.length && ok; i++) {
        const expected = segments[i] as string
        const actual = given[i] as string
        if (expected.startsWith(':')) {
          try {
            params[expected.slice(1)] = decodeURIComponent(actual)
          } catch {
            ok = false
          }
        } else ok = expected === actual
      }
      if (ok) return { route, params }
    }
    return null
  }
}
