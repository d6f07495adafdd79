/**
 * The benchmark's scenario table: servers that answer the same request with the same JSON body,
 * in two groups, each measured against its own bare framework in the same run.
 *
 * - Express (issue 3): bare Express, tokengate with each kind of token, and the two usual
 *   alternatives (express-jwt, passport-http-bearer), each doing the same job: authenticate the
 *   bearer token, then check that its actor may `view-table` on `docs/documents`. The static
 *   token also runs with a rate limit (issue 11), counted in memory and in a Redis. With them, the
 *   managed-token scenarios (issue 8): a `tgk_` token in a SQLite or a PostgreSQL store, with the
 *   gate's cache and without it (`-nocache`, whose difference to the cached twin is the server
 *   CPU a store lookup adds); the PostgreSQL ones run only when a server is configured
 *   ({@link benchPostgresUrl}).
 * - Fastify (issue 13): bare Fastify (nothing of tokengate loaded in its process),
 *   @fastify/bearer-auth with one static key (it authenticates and does no authorization),
 *   tokengate's plugin and guard with a static token and with a `dstok_` token, and bare Fastify
 *   with tokengate's root entry imported and an empty plugin registered (does loading tokengate
 *   cost anything per request?).
 *
 * Everything the driver (`run.ts`), the scenario servers (`server.ts`, `fastify-server.ts`) and
 * the test share lives here: the route, the body, the fixed secrets, static and managed tokens,
 * the actors (`reader` may view the table, `outsider` may not). This module imports nothing, so a
 * scenario server that loads it loads nothing of tokengate; signed tokens and JWTs are made in
 * `credentials.ts`.
 *
 * The secrets are fixed, public benchmark fixtures: never reuse them anywhere else.
 *
 * @module
 */

/** The scenarios, in the order the driver runs them. */
export const SCENARIO_NAMES = [
  'express',
  'express-noop',
  'static',
  'static-limited',
  'static-redis',
  'dstok',
  'jwt',
  'managed-sqlite',
  'managed-postgres',
  'managed-sqlite-nocache',
  'managed-postgres-nocache',
  'express-jwt',
  'passport',
  'fastify',
  'fastify-bearer-auth',
  'fastify-static',
  'fastify-dstok',
  'fastify-root-entry',
] as const

/** A scenario's name, as the scenario servers take it on their command line. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number]

/** The frameworks, each a group of scenarios with its own baseline. */
export const FRAMEWORKS = ['express', 'fastify'] as const

/** A framework the benchmark measures. */
export type Framework = (typeof FRAMEWORKS)[number]

/** What the driver needs to know about each framework's group. */
export const FRAMEWORK_GROUPS: { readonly [F in Framework]: { readonly baseline: ScenarioName; readonly label: string; readonly targetsFrom: string } } = {
  express: { baseline: 'express', label: 'bare Express', targetsFrom: 'issues 3, 8 and 11' },
  fastify: { baseline: 'fastify', label: 'bare Fastify', targetsFrom: 'issue 13' },
}

/** One row of the scenario table. */
export interface Scenario {
  /** The name its server is started with. */
  readonly name: ScenarioName
  /** The framework its server runs on; it is compared with that framework's bare baseline. */
  readonly framework: Framework
  /** What the table prints. */
  readonly label: string
  /** What the server does per request, in one line. */
  readonly description: string
  /**
   * The least throughput, as a fraction of its bare framework, an issue asks for; `null` when
   * the scenario has no target (the baselines and the alternatives).
   */
  readonly target: number | null
  /** The ratio an issue measured for an alternative, for reference; `null` for none. */
  readonly issueRatio: number | null
  /** The token store a managed-token scenario keeps its tokens in; `null` for the others. */
  readonly store: 'sqlite' | 'postgres' | null
  /**
   * For a scenario with the gate's cache turned off: the cached scenario it is compared with,
   * and the most server CPU per request the store lookup may add, in µs (`null`: reported, no
   * target).
   */
  readonly lookup: { readonly cachedScenario: ScenarioName; readonly targetMicros: number | null } | null
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
    framework: 'express',
    label: 'bare Express',
    description: 'GET /:db/:table answers a small JSON body; no authentication',
    target: null,
    issueRatio: null,
    store: null,
    lookup: null,
    rateLimit: null,
  },
  {
    name: 'express-noop',
    framework: 'express',
    label: 'two no-op middlewares',
    description: "what any pair of middlewares costs: one that sets req.actor in tokenAuth's place, one that calls next() in the guard's; no token read",
    target: null,
    issueRatio: null,
    store: null,
    lookup: null,
    rateLimit: null,
  },
  {
    name: 'static',
    framework: 'express',
    label: 'tokengate, static token',
    description: "tokenAuth (static token, looked up by SHA-256) + requirePermission('view-table', ':db', ':table')",
    target: 0.93,
    issueRatio: null,
    store: null,
    lookup: null,
    rateLimit: null,
  },
  {
    name: 'static-limited',
    framework: 'express',
    label: 'static token, memory limit',
    description: 'the static scenario with a gate rateLimit counted in memory (rate-limiter-flexible), RateLimit headers on every answer',
    target: 0.9,
    issueRatio: null,
    store: null,
    lookup: null,
    rateLimit: 'memory',
  },
  {
    name: 'static-redis',
    framework: 'express',
    label: 'static token, Redis limit',
    description: 'the static scenario with a gate rateLimit counted in a local Redis (ioredis, one Lua call per request)',
    target: null,
    issueRatio: null,
    store: null,
    lookup: null,
    rateLimit: 'redis',
  },
  {
    name: 'dstok',
    framework: 'express',
    label: 'tokengate, dstok_ token',
    description: "tokenAuth (signed dstok_ token, HMAC-SHA1) + requirePermission('view-table', ':db', ':table')",
    target: 0.85,
    issueRatio: null,
    store: null,
    lookup: null,
    rateLimit: null,
  },
  {
    name: 'jwt',
    framework: 'express',
    label: 'tokengate, JWT HS256',
    description: "tokenAuth (JWT HS256, secret converted to a KeyObject once) + requirePermission('view-table', ':db', ':table')",
    target: 0.78,
    issueRatio: null,
    store: null,
    lookup: null,
    rateLimit: null,
  },
  {
    name: 'managed-sqlite',
    framework: 'express',
    label: 'tokengate, managed, SQLite',
    description: "tokenAuth (managed tgk_ token in a SQLite store, the gate's 5 s cache) + requirePermission('view-table', ':db', ':table')",
    target: 0.9,
    issueRatio: null,
    store: 'sqlite',
    lookup: null,
    rateLimit: null,
  },
  {
    name: 'managed-postgres',
    framework: 'express',
    label: 'tokengate, managed, PostgreSQL',
    description: "tokenAuth (managed tgk_ token in a PostgreSQL store, the gate's 5 s cache) + requirePermission('view-table', ':db', ':table')",
    target: 0.9,
    issueRatio: null,
    store: 'postgres',
    lookup: null,
    rateLimit: null,
  },
  {
    name: 'managed-sqlite-nocache',
    framework: 'express',
    label: 'managed, SQLite, no cache',
    description: 'the same as managed-sqlite with tokenCacheTtl: 0: a SQLite lookup by hash on every request',
    target: null,
    issueRatio: null,
    store: 'sqlite',
    lookup: { cachedScenario: 'managed-sqlite', targetMicros: 25 },
    rateLimit: null,
  },
  {
    name: 'managed-postgres-nocache',
    framework: 'express',
    label: 'managed, PostgreSQL, no cache',
    description: 'the same as managed-postgres with tokenCacheTtl: 0: a PostgreSQL query by hash on every request',
    target: null,
    issueRatio: null,
    store: 'postgres',
    lookup: { cachedScenario: 'managed-postgres', targetMicros: null },
    rateLimit: null,
  },
  {
    name: 'express-jwt',
    framework: 'express',
    label: 'express-jwt, JWT HS256',
    description: 'expressjwt({ secret: <string>, algorithms: [HS256] }) + a claim check on req.auth.sub',
    target: null,
    issueRatio: 0.23,
    store: null,
    lookup: null,
    rateLimit: null,
  },
  {
    name: 'passport',
    framework: 'express',
    label: 'passport-http-bearer',
    description: "passport.authenticate('bearer', { session: false }) with a Map lookup + the same check on req.user.id",
    target: null,
    issueRatio: 0.74,
    store: null,
    lookup: null,
    rateLimit: null,
  },
  {
    name: 'fastify',
    framework: 'fastify',
    label: 'bare Fastify',
    description: 'GET /:db/:table answers a small JSON body; no authentication, nothing of tokengate loaded',
    target: null,
    issueRatio: null,
    store: null,
    lookup: null,
    rateLimit: null,
  },
  {
    name: 'fastify-bearer-auth',
    framework: 'fastify',
    label: '@fastify/bearer-auth',
    description: 'register(bearerAuth, { keys: new Set([<one static key>]) }): authentication only, no permission check',
    target: null,
    issueRatio: 0.87,
    store: null,
    lookup: null,
    rateLimit: null,
  },
  {
    name: 'fastify-static',
    framework: 'fastify',
    label: 'tokengate/fastify, static token',
    description: "register(tokengate, { config }) (static token, looked up by SHA-256) + preHandler requirePermission('view-table', ':db', ':table')",
    target: 0.87,
    issueRatio: null,
    store: null,
    lookup: null,
    rateLimit: null,
  },
  {
    name: 'fastify-dstok',
    framework: 'fastify',
    label: 'tokengate/fastify, dstok_ token',
    description: "register(tokengate, { config }) (signed dstok_ token, HMAC-SHA1) + preHandler requirePermission('view-table', ':db', ':table')",
    target: null,
    issueRatio: null,
    store: null,
    lookup: null,
    rateLimit: null,
  },
  {
    name: 'fastify-root-entry',
    framework: 'fastify',
    label: "bare Fastify + import 'tokengate'",
    description: "bare Fastify that imports tokengate's root entry and registers an empty plugin: what loading tokengate costs per request",
    target: null,
    issueRatio: null,
    store: null,
    lookup: null,
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

/** The exact body text of a 200 answer to {@link PATH}, as Express's `res.json` and Fastify's `reply.send` write it. */
export const EXPECTED_BODY = JSON.stringify(bodyFor(DATABASE, TABLE))

/** Benchmark fixtures: static tokens (64 hex characters, as `tokengate` would generate). */
export const STATIC_TOKENS = {
  [READER]: 'f3a1c9e07b2d4e6fa8c1d3e5f7092b4d6f8a0c2e4f6a8b0d2e4f6a8c0e2a4c6e',
  [OUTSIDER]: '0b7e5c3a19f7d5b3e1c9a7f5d3b1e9c7a5f3d1b9e7c5a3f1d9b7e5c3a1f9d7b5',
} as const

/**
 * Benchmark fixtures: managed tokens (well formed, their checksums computed with Python's
 * zlib.crc32), seeded into each managed scenario's store by their SHA-256. `unknown` is never
 * stored: the forged token of those scenarios, which passes the checksum and fails the lookup.
 */
export const MANAGED_TOKENS = {
  [READER]: 'tgk_BenchReader0000000000000000000002QYiqa',
  [OUTSIDER]: 'tgk_BenchOutsider00000000000000000004A6Se8',
  unknown: 'tgk_BenchUnknown000000000000000000002Yz85v',
} as const

/**
 * The PostgreSQL server of the managed PostgreSQL scenarios: `BENCH_POSTGRES`, else
 * `TOKENGATE_TEST_POSTGRES`; without either, those scenarios are skipped.
 */
export function benchPostgresUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env['BENCH_POSTGRES'] || env['TOKENGATE_TEST_POSTGRES']
  return url === '' ? undefined : url
}

/** The scenarios this machine can run: every one, less the PostgreSQL ones without a server. */
export function runnableScenarios(env: NodeJS.ProcessEnv = process.env): readonly Scenario[] {
  return SCENARIOS.filter((s) => s.store !== 'postgres' || benchPostgresUrl(env) !== undefined)
}

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
