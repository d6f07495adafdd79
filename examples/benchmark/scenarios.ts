/**
 * The benchmark's scenario table (issue 3, item 7): six Express servers that answer the same
 * request with the same JSON body, from bare Express to tokengate with each kind of token and
 * the two usual alternatives (express-jwt, passport-http-bearer), each doing the same job:
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
export const SCENARIO_NAMES = [
  'express',
  'static',
  'dstok',
  'jwt',
  'managed-sqlite',
  'managed-postgres',
  'managed-sqlite-nocache',
  'managed-postgres-nocache',
  'express-jwt',
  'passport',
] as const

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
  /** The token store a managed-token scenario keeps its tokens in; `null` for the others. */
  readonly store: 'sqlite' | 'postgres' | null
  /**
   * For a scenario with the gate's cache turned off: the cached scenario it is compared with,
   * and the most server CPU per request the store lookup may add, in µs (`null`: reported, no
   * target).
   */
  readonly lookup: { readonly cachedScenario: ScenarioName; readonly targetMicros: number | null } | null
}

/** The scenario table. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'express',
    label: 'bare Express',
    description: 'GET /:db/:table answers a small JSON body; no authentication',
    target: null,
    issueRatio: null,
    store: null,
    lookup: null,
  },
  {
    name: 'static',
    label: 'tokengate, static token',
    description: "tokenAuth (static token, looked up by SHA-256) + requirePermission('view-table', ':db', ':table')",
    target: 0.93,
    issueRatio: null,
    store: null,
    lookup: null,
  },
  {
    name: 'dstok',
    label: 'tokengate, dstok_ token',
    description: "tokenAuth (signed dstok_ token, HMAC-SHA1) + requirePermission('view-table', ':db', ':table')",
    target: 0.85,
    issueRatio: null,
    store: null,
    lookup: null,
  },
  {
    name: 'jwt',
    label: 'tokengate, JWT HS256',
    description: "tokenAuth (JWT HS256, secret converted to a KeyObject once) + requirePermission('view-table', ':db', ':table')",
    target: 0.78,
    issueRatio: null,
    store: null,
    lookup: null,
  },
  {
    name: 'managed-sqlite',
    label: 'tokengate, managed, SQLite',
    description: "tokenAuth (managed tgk_ token in a SQLite store, the gate's 5 s cache) + requirePermission('view-table', ':db', ':table')",
    target: 0.9,
    issueRatio: null,
    store: 'sqlite',
    lookup: null,
  },
  {
    name: 'managed-postgres',
    label: 'tokengate, managed, PostgreSQL',
    description: "tokenAuth (managed tgk_ token in a PostgreSQL store, the gate's 5 s cache) + requirePermission('view-table', ':db', ':table')",
    target: 0.9,
    issueRatio: null,
    store: 'postgres',
    lookup: null,
  },
  {
    name: 'managed-sqlite-nocache',
    label: 'managed, SQLite, no cache',
    description: 'the same as managed-sqlite with tokenCacheTtl: 0: a SQLite lookup by hash on every request',
    target: null,
    issueRatio: null,
    store: 'sqlite',
    lookup: { cachedScenario: 'managed-sqlite', targetMicros: 25 },
  },
  {
    name: 'managed-postgres-nocache',
    label: 'managed, PostgreSQL, no cache',
    description: 'the same as managed-postgres with tokenCacheTtl: 0: a PostgreSQL query by hash on every request',
    target: null,
    issueRatio: null,
    store: 'postgres',
    lookup: { cachedScenario: 'managed-postgres', targetMicros: null },
  },
  {
    name: 'express-jwt',
    label: 'express-jwt, JWT HS256',
    description: 'expressjwt({ secret: <string>, algorithms: [HS256] }) + a claim check on req.auth.sub',
    target: null,
    issueRatio: 0.23,
    store: null,
    lookup: null,
  },
  {
    name: 'passport',
    label: 'passport-http-bearer',
    description: "passport.authenticate('bearer', { session: false }) with a Map lookup + the same check on req.user.id",
    target: null,
    issueRatio: 0.74,
    store: null,
    lookup: null,
  },
]

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
    case 'managed-sqlite':
    case 'managed-postgres':
    case 'managed-sqlite-nocache':
    case 'managed-postgres-nocache':
      return { token: MANAGED_TOKENS[READER], nearMiss: MANAGED_TOKENS[OUTSIDER], forged: MANAGED_TOKENS.unknown }
  }
}
