/**
 * The framework-neutral core of `tokenAdmin` (SPEC section 10): options checked once, the route
 * table built from them, and one `handle(match, request)` the Express, Koa and Fastify mounts
 * call after matching a route (Fastify: declaring the routes in its router) and reading its body.
 *
 * API routes throw coded errors, which the mounts render as SPEC section 8's JSON (or hand to the
 * framework with `onError: 'next'`). Page routes render their own errors as HTML: an anonymous
 * visitor gets 401 with a pointer to how to sign in.
 *
 * @module
 * @internal
 */
import { isTokengateError } from '../errors.js'
import type { Gate } from '../gate.js'
import { type GateInternals, internalsOf } from '../internal/gate-internals.js'
import { checkOptionNames } from '../internal/options.js'
import { actorCookieHeader } from '../sessions/actor-cookie.js'
import type { LoginLink } from '../sessions/login-link.js'
import { idOf, maySee, notFound } from './escalation.js'
import { type AdminContext, callerOf, createToken, getToken, listTokens, revokeToken, rotateToken, updateToken } from './handlers.js'
import { influxCreateToken, influxDeleteToken } from './influx.js'
import { PAGE_SCRIPT, PAGE_STYLE } from './page-assets.js'
import { PAGE_HEADERS, type TokenDetail, errorPage, escapeHtml, renderPage } from './page.js'
import { type Route, type RouteMatch, routeMatcher } from './routes.js'
import type { Actor } from '../types.js'
import type { AdminRequest, AdminResponse, TokenAdminOptions } from './types.js'
import { tokenUsage } from './token-usage.js'
import { singleParam } from './validate.js'

/** Every option of `tokenAdmin`, for the strict check. @internal */
export const TOKEN_ADMIN_OPTIONS: readonly string[] = [
  'basePath',
  'pagePath',
  'influx',
  'allowTokenCallers',
  'maxExpiresAfter',
  'bodyLimit',
  'loginLink',
  'signInUrl',
  'onError',
]

/** How many usage entries the page shows at a time. */
const USAGE_PAGE = 50

const PATH = /^(\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/
const DEFAULT_BODY_LIMIT = 64 * 1024

/** The core of one `tokenAdmin` mount. @internal */
export interface TokenAdminCore {
  /** Every route, for a framework that declares them in its own router (Fastify). */
  readonly routes: readonly Route[]
  /** The route a request is for, or `null` (not ours: the app goes on). */
  match(method: string, path: string): RouteMatch | null
  /** The most body bytes read. */
  readonly bodyLimit: number
  /** Answer a matched request; API routes throw their coded errors. */
  handle(match: RouteMatch, request: AdminRequest): Promise<AdminResponse>
  /**
   * Whether a request's facts, observed by a `tokenAuth` with these gate internals, belong to
   * this admin's gate: another gate's facts are not passed on, so its usage entry keeps its own check.
   */
  ownsFacts(internals: GateInternals): boolean
}

function checkPath(value: unknown, name: string): string {
  if (typeof value !== 'string' || !PATH.test(value) || value.includes('/../') || value.endsWith('/..')) {
    throw new TypeError(`"${name}" option must be a path such as "/-/api/tokens": starting with "/", without a trailing "/"`)
  }
  return value
}

function checkBoolean(value: unknown, name: string): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw new TypeError(`"${name}" option must be true or false`)
  return value
}

/**
 * Check the options and build the core.
 * @throws TypeError for a gate without a token store, or a bad or unknown option.
 * @internal
 */
export function createTokenAdminCore(gate: Gate, options: TokenAdminOptions = {}, who = 'tokenAdmin'): TokenAdminCore {
  checkOptionNames(options, TOKEN_ADMIN_OPTIONS, who)
  const internals = internalsOf(gate, who)
  const tokens = gate.tokens
  if (tokens === null) {
    throw new TypeError(`${who} needs a gate with a token store: createGate(config, { tokenStore: await openTokenStore(url) }), or "token_store" in the configuration`)
  }
  const basePath = checkPath(options.basePath ?? '/-/api/tokens', 'basePath')
  const pagePath = options.pagePath === null ? null : checkPath(options.pagePath ?? '/-/tokens', 'pagePath')
  if (pagePath !== null && (pagePath === basePath || pagePath.startsWith(`${basePath}/`) || basePath.startsWith(`${pagePath}/`))) {
    throw new TypeError('"basePath" and "pagePath" must not contain one another')
  }
  const influx = checkBoolean(options.influx, 'influx')
  const allowTokenCallers = checkBoolean(options.allowTokenCallers, 'allowTokenCallers')
  const maxExpiresAfter = options.maxExpiresAfter ?? null
  if (maxExpiresAfter !== null && !(Number.isSafeInteger(maxExpiresAfter) && maxExpiresAfter > 0)) {
    throw new TypeError('"maxExpiresAfter" option must be a positive whole number of seconds, or null for no limit')
  }
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit <= 0) throw new TypeError('"bodyLimit" option must be a positive whole number of bytes')
  const loginLink = options.loginLink
  if (loginLink !== undefined && (typeof loginLink !== 'object' || loginLink === null || typeof loginLink.redeem !== 'function')) {
    throw new TypeError('"loginLink" option must be a login link from createLoginLink(gate)')
  }
  const signInUrl = options.signInUrl
  if (signInUrl !== undefined && (typeof signInUrl !== 'string' || !/^(\/|https?:\/\/)/.test(signInUrl))) {
    throw new TypeError('"signInUrl" option must be a path or an http(s) URL')
  }

  const context: AdminContext = {
    gate,
    internals,
    tokens,
    validation: { registry: gate.actions, maxExpiresAfter },
    allowTokenCallers,
    check: (caller, action) => internals.check(caller, action, null, null, undefined),
  }
  /** The context of one request: its checks tell their events (and the usage log) about it. */
  const contextOf = (request: AdminRequest): AdminContext =>
    request.facts === undefined ? context : { ...context, check: (caller, action) => internals.check(caller, action, null, null, request.facts) }

  const routes: Route[] = [
    { method: 'POST', pattern: basePath, kind: 'api', body: true, handler: createToken },
    { method: 'GET', pattern: basePath, kind: 'api', body: false, handler: listTokens },
    { method: 'GET', pattern: `${basePath}/:id`, kind: 'api', body: false, handler: getToken },
    { method: 'PATCH', pattern: `${basePath}/:id`, kind: 'api', body: true, handler: updateToken },
    { method: 'DELETE', pattern: `${basePath}/:id`, kind: 'api', body: true, handler: revokeToken },
    { method: 'POST', pattern: `${basePath}/:id/revoke`, kind: 'api', body: true, handler: revokeToken },
    { method: 'POST', pattern: `${basePath}/:id/rotate`, kind: 'api', body: true, handler: rotateToken },
    { method: 'GET', pattern: `${basePath}/:id/usage`, kind: 'api', body: false, handler: tokenUsage },
  ]
  if (influx) {
    for (const path of ['/api/v3/configure/token', '/api/v3/enterprise/configure/token']) {
      routes.push({ method: 'POST', pattern: path, kind: 'api', body: true, handler: influxCreateToken })
      routes.push({ method: 'DELETE', pattern: path, kind: 'api', body: false, handler: influxDeleteToken })
    }
  }
  if (pagePath !== null) {
    routes.push({ method: 'GET', pattern: pagePath, kind: 'page', body: false, handler: tokenPage })
    routes.push({ method: 'GET', pattern: `${pagePath}/page.js`, kind: 'page', body: false, handler: asset('text/javascript; charset=utf-8', PAGE_SCRIPT) })
    routes.push({ method: 'GET', pattern: `${pagePath}/page.css`, kind: 'page', body: false, handler: asset('text/css; charset=utf-8', PAGE_STYLE) })
  }
  if (loginLink !== undefined) routes.push({ method: 'GET', pattern: loginLink.path, kind: 'page', body: false, handler: login(loginLink) })

  const paths = (request: AdminRequest) => ({
    api: `${request.mountPath}${basePath}`,
    page: `${request.mountPath}${pagePath ?? ''}`,
  })

  async function tokenPage(request: AdminRequest): Promise<AdminResponse> {
    const caller = callerOf(request, context)
    const cursor = singleParam(request.query, 'cursor')
    const viewAll = gate.allowed(caller, 'auth-tokens-view-all')
    const own = idOf(caller)
    const list =
      !viewAll && own === null
        ? { tokens: [], next: null }
        : await context.tokens.list({ ...(viewAll ? {} : { actorId: own ?? undefined }), limit: 100, cursor: cursor === '' ? undefined : cursor })
    const { api, page } = paths(request)
    const usageOf = singleParam(request.query, 'usage')
    const detail = usageOf === undefined || usageOf === '' ? undefined : await tokenDetail(caller, usageOf, singleParam(request.query, 'usage_cursor'))
    return renderPage({ gate, caller, tokens: list.tokens, next: list.next, apiPath: api, pagePath: page, maxExpiresAfter, detail })
  }

  /** `?usage=<id>`: a token the caller may see, with a page of its usage log; else the 404 of a missing id. */
  async function tokenDetail(caller: Actor, id: string, cursor: string | undefined): Promise<TokenDetail> {
    const record = await context.tokens.get(id)
    if (record === null || !maySee(gate, caller, record)) throw notFound(id)
    const usage = await context.tokens.usage(record.id, { limit: USAGE_PAGE, ...(cursor === undefined || cursor === '' ? {} : { cursor }) })
    // A token caller never changes itself (escalation.ts), so it gets no form for its own token.
    const mayEdit = caller['token_id'] !== record.id && (idOf(caller) === record.actorId || gate.allowed(caller, 'auth-tokens-edit-all'))
    return { record, entries: usage.entries, next: usage.next, mayEdit }
  }

  /** A page route's error, as a page: 401 says how to sign in. */
  function pageError(error: unknown, request: AdminRequest): AdminResponse {
    if (!isTokengateError(error) || !error.expose) throw error
    const { api, page } = paths(request)
    const headers = { ...error.headers }
    if (error.status === 401) {
      const how =
        signInUrl === undefined
          ? '<p>Open the one-time login link the server printed when it started (as <code>datasette --root</code> does), or call the API with an <code>Authorization: Bearer</code> header.</p>'
          : `<p><a href="${escapeHtml(signInUrl)}">Sign in</a> to manage API tokens.</p>`
      return errorPage(401, 'Sign in to manage API tokens', `<p>You are not signed in.</p>${how}`, api, page, headers)
    }
    return errorPage(error.status, error.status === 403 ? 'Not allowed' : 'Cannot show API tokens', `<p>${escapeHtml(error.message)}</p>`, api, page, headers)
  }

  function login(link: LoginLink) {
    return (request: AdminRequest): AdminResponse => {
      const session = link.redeem(singleParam(request.query, 'token'))
      const { api, page } = paths(request)
      if (session === null) {
        return errorPage(
          403,
          'This login link cannot be used',
          '<p>It was used already, or it has expired. Ask for a new one (restart the server, or issue another link).</p>',
          api,
          page,
          { 'Referrer-Policy': 'no-referrer' },
        )
      }
      return {
        status: 302,
        headers: {
          Location: pagePath === null ? `${request.mountPath}/` : page,
          'Set-Cookie': actorCookieHeader(session.cookie, { secure: request.secure, maxAge: session.maxAge }),
          'Cache-Control': 'no-store',
          'Referrer-Policy': 'no-referrer',
        },
        body: null,
      }
    }
  }

  const match = routeMatcher(routes)
  return Object.freeze({
    routes: Object.freeze([...routes]),
    match,
    bodyLimit,
    ownsFacts: (other: GateInternals) => other === internals,
    async handle({ route }: RouteMatch, request: AdminRequest): Promise<AdminResponse> {
      if (route.kind === 'api') return route.handler(request, contextOf(request))
      try {
        return await route.handler(request, contextOf(request))
      } catch (error) {
        return pageError(error, request)
      }
    },
  })
}

function asset(contentType: string, text: string): () => AdminResponse {
  const headers = {
    'Content-Type': contentType,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': PAGE_HEADERS['Content-Security-Policy'] as string,
  }
  return () => ({ status: 200, headers, body: text })
}
