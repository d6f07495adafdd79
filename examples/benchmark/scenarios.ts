/**
 * The benchmark's scenario table (issue 3, item 7; rate limits, issue 11): eight Express servers
 * that answer the same request with the same JSON body, from bare Express to tokengate with each
 * kind of token (the static one also with a rate limit counted in memory, then in Redis) and the
 * two usual alternatives (express-jwt, passport-http-bearer), each doing the same job:
 * authenticate the bearer token, then check that its actor may `view-table` on
 * `docs/documents`.
 *
 * Everything the driver (`run.ts`), the scenario servers (`server.ts`) and the test share lives
 * here: the route, the body, the fixed secrets and static tokens, the actors (`reader` may view
 * the table, `outsider` may not), and {@link credentialsFor}, which makes the token each
 * scenario is measured with and a near-miss token (a valid token of `outsider`) that its
 * permission check must deny.
 *
 * The secrets are fixed, public benchmark fixtures: never reuse them anywhere else.
 *
 * @module
 */
import { createJwt, createSignedToken } from 'tokengate'

/** The scenarios, in the order the driver runs them. */
export const SCENARIO_NAMES = ['express', 'static', 'static-limited', 'static-redis', 'dstok', 'jwt', 'express-jwt', 'passport'] as const

/** A scenario's name, as `server.ts` takes it on its command line. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number]

/** One row of the scenario table. */
export interface Scenario {
  /** The name `server.ts` is started with. */
  readonly name: ScenarioName
  /** What the table prints. */
  readonly label: string
  /** What the server does per request, in one line. */
  readonly description: string
  /**
   * The least throughput, as a fraction of bare Express, the issue asks for; `null` when the
   * scenario has no target (the baseline and the alternatives).
   */
  readonly target: number | null
  /** The ratio the issue measured for an alternative, for reference; `null` for none. */
  readonly issueRatio: number | null
  /**
   * Where the scenario counts a rate limit: `null` for none, `'memory'`, or `'redis'` (the
   * Redis of {@link benchRedisUrl}; the driver skips the scenario, saying so, when it cannot
   * reach it). Every answer of a limited scenario carries the `RateLimit` headers.
   */
  readonly rateLimit: 'memory' | 'redis' | null
}

/** The scenario table. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'express',
    label: 'bare Express',
    description: 'GET /:db/:table answers a small JSON body; no authentication',
    target: null,
    issueRatio: null,
    rateLimit: null,
  },
  {
    name: 'static',
    label: 'tokengate, static token',
    description: "tokenAuth (static token, looked up by SHA-256) + requirePermission('view-table', ':db', ':table')",
    target: 0.93,
    issueRatio: null,
    rateLimit: null,
  },
  {
    name: 'static-limited',
    label: 'static token, memory limit',
    description: 'the static scenario with a gate rateLimit counted in memory (rate-limiter-flexible), RateLimit headers on every answer',
    target: 0.9,
    issueRatio: null,
    rateLimit: 'memory',
  },
  {
    name: 'static-redis',
    label: 'static token, Redis limit',
    description: 'the static scenario with a gate rateLimit counted in a local Redis (ioredis, one Lua call per request)',
    target: null,
    issueRatio: null,
    rateLimit: 'redis',
  },
  {
    name: 'dstok',
    label: 'tokengate, dstok_ token',
    description: "tokenAuth (signed dstok_ token, HMAC-SHA1) + requirePermission('view-table', ':db', ':table')",
    target: 0.85,
    issueRatio: null,
    rateLimit: null,
  },
  {
    name: 'jwt',
    label: 'tokengate, JWT HS256',
    description: "tokenAuth (JWT HS256, secret converted to a KeyObject once) + requirePermission('view-table', ':db', ':table')",
    target: 0.78,
    issueRatio: null,
    rateLimit: null,
  },
  {
    name: 'express-jwt',
    label: 'express-jwt, JWT HS256',
    description: 'expressjwt({ secret: <string>, algorithms: [HS256] }) + a claim check on req.auth.sub',
    target: null,
    issueRatio: 0.23,
    rateLimit: null,
  },
  {
    name: 'passport',
    label: 'passport-http-bearer',
    description: "passport.authenticate('bearer', { session: false }) with a Map lookup + the same check on req.user.id",
    target: null,
    issueRatio: 0.74,
    rateLimit: null,
  },
]

/**
 * The rate limit of the limited scenarios: a quota no run reaches (so every measured answer is a
 * 200 that was counted), unless `TOKENGATE_BENCH_RATE_POINTS` sets a small one, as the
 * benchmark's test does to see the limit refuse.
 */
export function benchRateLimit(env: NodeJS.ProcessEnv = process.env): { points: number; duration: number } {
  const raw = env['TOKENGATE_BENCH_RATE_POINTS']
  const points = raw === undefined || raw === '' ? 1_000_000_000 : Number(raw)
  if (!Number.isSafeInteger(points) || points < 1) throw new TypeError(`TOKENGATE_BENCH_RATE_POINTS must be a positive whole number, got ${JSON.stringify(raw)}`)
  return { points, duration: 60 }
}

/** The Redis the `static-redis` scenario counts in: `TOKENGATE_BENCH_REDIS`, else `TOKENGATE_TEST_REDIS`, else the local one. */
export function benchRedisUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env['TOKENGATE_BENCH_REDIS'] || env['TOKENGATE_TEST_REDIS'] || 'redis://127.0.0.1:6379'
}

/** The scenario called `name`. @throws TypeError for an unknown name. */
export function scenarioNamed(name: string): Scenario {
  const scenario = SCENARIOS.find((s) => s.name === name)
  if (scenario === undefined) {
    throw new TypeError(`Unknown scenario ${JSON.stringify(name)}: use one of ${SCENARIO_NAMES.join(', ')}`)
  }
  return scenario
}

/** The path every scenario serves, and the one request the benchmark sends. */
export const ROUTE = '/:db/:table'

/** The database and table of the measured request. */
export const DATABASE = 'docs'
/** The table of the measured request. */
export const TABLE = 'documents'

/** The measured request's path. */
export const PATH = `/${DATABASE}/${TABLE}`

/** The action every guard checks. */
export const ACTION = 'view-table'

/** The actor that may view `docs/documents`. */
export const READER = 'reader'
/** An actor that authenticates but may not view `docs/documents`: the near miss. */
export const OUTSIDER = 'outsider'

/** The rows every scenario answers with. */
const ROWS = [
  [1, 'Getting started'],
  [2, 'Permissions'],
  [3, 'Tokens'],
] as const

/** The JSON body every scenario answers the measured request with. */
export function bodyFor(database: string, table: string): { ok: true; database: string; table: string; rows: typeof ROWS } {
  return { ok: true, database, table, rows: ROWS }
}

/** The exact body text of a 200 answer to {@link PATH}, as Express's `res.json` writes it. */
export const EXPECTED_BODY = JSON.stringify(bodyFor(DATABASE, TABLE))

/** Benchmark fixtures: static tokens (64 hex characters, as `tokengate` would generate). */
export const STATIC_TOKENS = {
  [READER]: 'f3a1c9e07b2d4e6fa8c1d3e5f7092b4d6f8a0c2e4f6a8b0d2e4f6a8c0e2a4c6e',
  [OUTSIDER]: '0b7e5c3a19f7d5b3e1c9a7f5d3b1e9c7a5f3d1b9e7c5a3f1d9b7e5c3a1f9d7b5',
} as const

/** Benchmark fixture: the secret that signs `dstok_` tokens. */
export const SIGNING_SECRET = 'benchmark-dstok-secret-0c4f1e8a9b7d6c5e'

/** Benchmark fixture: the HS256 secret, given as a string, as express-jwt documents it. */
export const JWT_SECRET = 'benchmark-jwt-secret-5a2e9c7b1d3f8e6a4c0b'

/** The tokengate configuration of the permission every guarded scenario checks. */
export const DATABASES = {
  [DATABASE]: { tables: { [TABLE]: { allow: { id: [READER] } } } },
} as const

/**
 * Who may do what on which table, for the alternatives' tiny permission middleware: the same
 * rule as {@link DATABASES}, written as a lookup.
 */
export const ALTERNATIVE_PERMISSIONS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [`${ACTION} ${DATABASE}/${TABLE}`, new Set([READER])],
])

/** The tokens a scenario is probed and measured with. */
export interface Credentials {
  /** The token of the measured request, or `null` for none (bare Express). */
  readonly token: string | null
  /**
   * A valid token of {@link OUTSIDER}, whose permission check must fail (403), or `null` when
   * the scenario checks nothing.
   */
  readonly nearMiss: string | null
  /** A token that must not authenticate (401), or `null` when the scenario checks nothing. */
  readonly forged: string | null
}

/** `token` with its last character changed: well-formed, but its signature or lookup fails. */
function forge(token: string): string {
  const last = token.at(-1)
  return `${token.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`
}

function jwtFor(actorId: string, now: number): string {
  return createJwt({ actorId, secret: JWT_SECRET, algorithm: 'HS256', now })
}

/**
 * The tokens for a scenario. Signed tokens and JWTs are made now, without an expiry, so they
 * stay valid for the whole run.
 */
export function credentialsFor(name: ScenarioName, now: number = Math.floor(Date.now() / 1000)): Credentials {
  switch (name) {
    case 'express':
      return { token: null, nearMiss: null, forged: null }
    case 'static':
    case 'static-limited':
    case 'static-redis':
    case 'passport':
      return { token: STATIC_TOKENS[READER], nearMiss: STATIC_TOKENS[OUTSIDER], forged: forge(STATIC_TOKENS[READER]) }
    case 'dstok': {
      const token = createSignedToken({ actorId: READER, secret: SIGNING_SECRET, now })
      return { token, nearMiss: createSignedToken({ actorId: OUTSIDER, secret: SIGNING_SECRET, now }), forged: forge(token) }
    }
    case 'jwt':
    case 'express-jwt': {
      const token = jwtFor(READER, now)
      return { token, nearMiss: jwtFor(OUTSIDER, now), forged: forge(token) }
    }
  }
}
