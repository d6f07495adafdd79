/**
 * One Express benchmark scenario server per process: `node dist/examples/benchmark/server.js <scenario>`
 * builds the Express app of that scenario (see `scenarios.ts`), listens on an OS-chosen port of
 * 127.0.0.1 and reports `{ type: 'ready', port }` to its parent over IPC (or prints it as one
 * JSON line when started without an IPC channel).
 *
 * Every scenario serves `GET /:db/:table` with the same handler and the same body; only what
 * runs in front of the handler differs. The process exits on SIGTERM or SIGINT, and when its
 * parent disconnects, so a benchmark that dies never leaves a server behind.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express'
import { expressjwt } from 'express-jwt'
import passport from 'passport'
import { Strategy as BearerStrategy } from 'passport-http-bearer'
import pg from 'pg'
import { type Gate, type TokenStore, createGate, openTokenStore, requirePermission, tokenAuth } from 'tokengate'
import {
  ACTION,
  ALTERNATIVE_PERMISSIONS,
  DATABASES,
  JWT_SECRET,
  MANAGED_TOKENS,
  OUTSIDER,
  READER,
  ROUTE,
  SCENARIOS,
  SIGNING_SECRET,
  STATIC_TOKENS,
  type ScenarioName,
  benchPostgresUrl,
  benchRateLimit,
  benchRedisUrl,
  bodyFor,
  scenarioNamed,
} from './scenarios.js'
import { reportReady } from './scenario-process.js'

/** The handler every scenario ends with: the same small JSON body for the same request. */
function listRows(req: Request, res: Response): void {
  res.json(bodyFor(String(req.params['db']), String(req.params['table'])))
}

/**
 * The alternatives' permission check, as small as such a middleware gets in an app: the same
 * rule as tokengate's configuration (only `reader` may view `docs/documents`), looked up for the
 * actor id that `actorIdOf` reads from what the authentication middleware left on the request.
 */
function requireTablePermission(actorIdOf: (req: Request) => unknown): RequestHandler {
  return function requireTablePermission(req, res, next): void {
    const allowed = ALTERNATIVE_PERMISSIONS.get(`${ACTION} ${String(req.params['db'])}/${String(req.params['table'])}`)
    const id = actorIdOf(req)
    if (typeof id === 'string' && allowed !== undefined && allowed.has(id)) {
      next()
      return
    }
    res.status(403).json({ ok: false, error: 'Forbidden', errors: ['Forbidden'], status: 403 })
  }
}

/** express-jwt hands its `UnauthorizedError` to `next`: answer it as a JSON 401. */
const jwtErrors: ErrorRequestHandler = function jwtErrors(error: unknown, _req, res, next): void {
  const status = (error as { status?: unknown }).status
  if (status === 401) {
    const message = (error as Error).message
    res.status(401).json({ ok: false, error: message, errors: [message], status: 401 })
    return
  }
  next(error)
}

/** What a scenario must release when it stops: its gate, its temporary file or schema. */
const cleanups: (() => Promise<void>)[] = []

/** Run the cleanups one at a time, the last pushed first, so a gate closes before its store. */
async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
}

/**
 * The token store of a managed scenario, seeded with the fixture tokens (by their SHA-256; the
 * store never sees a token): a SQLite file in a temporary directory, or a PostgreSQL schema of
 * its own; both removed when the server stops.
 */
async function managedStore(kind: 'sqlite' | 'postgres'): Promise<TokenStore> {
  let store: TokenStore
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tokengate-bench-'))
    store = await openTokenStore(`sqlite:${join(dir, 'tokens.db')}`)
    cleanups.push(async () => {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    })
  } else {
    const url = benchPostgresUrl()
    if (url === undefined) throw new Error('the managed PostgreSQL scenarios need BENCH_POSTGRES (or TOKENGATE_TEST_POSTGRES)')
    const schema = `tokengate_bench_${randomBytes(6).toString('hex')}`
    store = await openTokenStore(url, { schema })
    cleanups.push(async () => {
      await store.close()
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await client.end()
    })
  }
  const now = Math.floor(Date.now() / 1000)
  for (const [actorId, token] of [[READER, MANAGED_TOKENS[READER]], [OUTSIDER, MANAGED_TOKENS[OUTSIDER]]] as const) {
    const id = randomBytes(8).toString('hex')
    const result = await store.insert(
      {
        id,
        hash: createHash('sha256').update(token).digest('hex'),
        name: `benchmark ${actorId}`,
        description: null,
        actorId,
        restrictions: null,
        permissions: null,
        createdAt: now,
        createdBy: 'benchmark',
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
        revokedBy: null,
        start: token.slice(0, 8),
        rateLimit: null,
      },
      { tokenId: id, action: 'create', at: now, by: 'benchmark', changes: {} },
    )
    if (!result.ok) throw new Error(`cannot seed the ${kind} store: ${result.problem}`)
  }
  return store
}

/** The static tokens' configuration, shared by the static scenarios. */
const STATIC_CONFIG = {
  databases: DATABASES,
  tokens: [
    { token: STATIC_TOKENS[READER], actor: { id: READER } },
    { token: STATIC_TOKENS[OUTSIDER], actor: { id: OUTSIDER } },
  ],
}

/**
 * The gate of a rate-limited scenario, ready. For Redis, a key prefix of its own (keys expire with
 * the window), and a logger that remembers whether Redis could not be reached: a benchmark that
 * quietly counted in memory would report the wrong scenario, so the server refuses to start.
 */
async function limitedGate(store: 'memory' | 'redis'): Promise<Gate> {
  let trouble: string | null = null
  const log = (message: string): void => {
    trouble ??= message
    process.stderr.write(`${message}\n`)
  }
  const gate = createGate(STATIC_CONFIG, {
    rateLimit: benchRateLimit(),
    ...(store === 'redis'
      ? { rateLimitStore: benchRedisUrl(), rateLimitPrefix: `tokengate-bench-${randomBytes(4).toString('hex')}` }
      : {}),
    logger: { warn: log, error: log },
  })
  cleanups.push(() => gate.close())
  await gate.ready()
  if (trouble !== null) throw new Error(`the rate-limit store is not usable: ${trouble}`)
  return gate
}

/** The Express app of one scenario. */
export async function createApp(name: ScenarioName): Promise<Express> {
  const app = express()
  switch (name) {
    case 'express':
      app.get(ROUTE, listRows)
      break
    case 'express-noop':
      // The floor of any authentication pair: two more layers and one more property on req.
      app.use((req, _res, next) => {
        req.actor = null
        next()
      })
      app.get(ROUTE, (_req, _res, next) => next(), listRows)
      break
    case 'static':
      app.use(tokenAuth(STATIC_CONFIG))
      app.get(ROUTE, requirePermission(ACTION, ':db', ':table'), listRows)
      break
    case 'static-limited':
    case 'static-redis':
      app.use(tokenAuth(await limitedGate(name === 'static-redis' ? 'redis' : 'memory')))
      app.get(ROUTE, requirePermission(ACTION, ':db', ':table'), listRows)
      break
    case 'dstok':
      app.use(tokenAuth({ databases: DATABASES, secret: SIGNING_SECRET }))
      app.get(ROUTE, requirePermission(ACTION, ':db', ':table'), listRows)
      break
    case 'jwt':
      app.use(tokenAuth({ databases: DATABASES, jwt: { algorithms: ['HS256'], secret: JWT_SECRET } }))
      app.get(ROUTE, requirePermission(ACTION, ':db', ':table'), listRows)
      break
    case 'managed-sqlite':
    case 'managed-postgres':
    case 'managed-sqlite-nocache':
    case 'managed-postgres-nocache': {
      const { store: kind, lookup } = scenarioNamed(name)
      const tokenStore = await managedStore(kind === 'postgres' ? 'postgres' : 'sqlite')
      // The default cache lifetime (5 s), or none: a store lookup on every request.
      const gate = createGate({ databases: DATABASES }, { tokenStore, ...(lookup === null ? {} : { tokenCacheTtl: 0 }) })
      // Cleanups run last first: the gate writes its pending usage entries before the store closes.
      cleanups.push(() => gate.close())
      app.use(tokenAuth(gate))
      app.get(ROUTE, requirePermission(ACTION, ':db', ':table'), listRows)
      break
    }
    case 'express-jwt':
      // express-jwt's README: `expressjwt({ secret: "shhhhhhared-secret", algorithms: ["HS256"] })`.
      app.get(
        ROUTE,
        expressjwt({ secret: JWT_SECRET, algorithms: ['HS256'] }),
        requireTablePermission((req) => (req as Request & { auth?: { sub?: unknown } }).auth?.sub),
        listRows,
      )
      app.use(jwtErrors)
      break
    case 'passport': {
      // passport-http-bearer's README: a verify callback that finds the user by token.
      const users = new Map<string, { id: string }>([
        [STATIC_TOKENS[READER], { id: READER }],
        [STATIC_TOKENS[OUTSIDER], { id: OUTSIDER }],
      ])
      passport.use(
        new BearerStrategy((token, done) => {
          done(null, users.get(token) ?? false)
        }),
      )
      app.get(
        ROUTE,
        passport.authenticate('bearer', { session: false }),
        requireTablePermission((req) => (req.user as { id?: unknown } | undefined)?.id),
        listRows,
      )
      break
    }
    default:
      throw new TypeError(`${name} is not an Express scenario: fastify-server.js serves it`)
  }
  return app
}

async function main(): Promise<void> {
  const names = SCENARIOS.filter((s) => s.framework === 'express').map((s) => s.name)
  const name = process.argv[2] ?? ''
  if (!(names as readonly string[]).includes(name)) {
    process.stderr.write(`usage: node dist/examples/benchmark/server.js <${names.join('|')}> (Fastify scenarios: fastify-server.js)\n`)
    process.exit(2)
  }
  const scenario = scenarioNamed(name)
  const app = await createApp(scenario.name)
  const server = app.listen(0, '127.0.0.1', () => {
    reportReady(scenario.name, (server.address() as AddressInfo).port)
  })
  server.on('error', (error) => {
    process.stderr.write(`scenario server ${scenario.name}: ${String(error)}\n`)
    process.exit(1)
  })
  const stop = (): void => {
    server.closeAllConnections()
    server.close(() => {
      void runCleanups().then(() => process.exit(0))
    })
    // Long enough for a managed scenario to write its usage entries, close its store and drop its
    // PostgreSQL schema one after the other; the driver waits as long before it kills.
    setTimeout(() => process.exit(0), 8000).unref()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.on('disconnect', stop)
}

main().catch((error: unknown) => {
  process.stderr.write(`scenario server: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
