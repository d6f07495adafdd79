/**
 * One benchmark scenario server per process: `node dist/examples/benchmark/server.js <scenario>`
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
import type { AddressInfo } from 'node:net'
import express from 'express'
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express'
import { expressjwt } from 'express-jwt'
import passport from 'passport'
import { Strategy as BearerStrategy } from 'passport-http-bearer'
import { randomBytes } from 'node:crypto'
import { createGate, requirePermission, tokenAuth } from 'tokengate'
import type { Gate } from 'tokengate'
import {
  ACTION,
  ALTERNATIVE_PERMISSIONS,
  DATABASES,
  JWT_SECRET,
  OUTSIDER,
  READER,
  ROUTE,
  SCENARIO_NAMES,
  SIGNING_SECRET,
  STATIC_TOKENS,
  type ScenarioName,
  benchRateLimit,
  benchRedisUrl,
  bodyFor,
  scenarioNamed,
} from './scenarios.js'

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

/** The static tokens' configuration, shared by the static scenarios. */
const STATIC_CONFIG = {
  databases: DATABASES,
  tokens: [
    { token: STATIC_TOKENS[READER], actor: { id: READER } },
    { token: STATIC_TOKENS[OUTSIDER], actor: { id: OUTSIDER } },
  ],
}

/**
 * The gate of a rate-limited scenario. For Redis, a key prefix of its own (keys expire with the
 * window), and a logger that remembers whether Redis could not be reached: a benchmark that
 * quietly counted in memory would report the wrong scenario.
 */
function limitedGate(store: 'memory' | 'redis'): { gate: Gate; redisTrouble: () => string | null } {
  let trouble: string | null = null
  const gate = createGate(STATIC_CONFIG, {
    rateLimit: benchRateLimit(),
    ...(store === 'redis'
      ? { rateLimitStore: benchRedisUrl(), rateLimitPrefix: `tokengate-bench-${randomBytes(4).toString('hex')}` }
      : {}),
    logger: {
      warn: (message) => {
        trouble ??= message
        process.stderr.write(`${message}\n`)
      },
      error: (message) => {
        trouble ??= message
        process.stderr.write(`${message}\n`)
      },
    },
  })
  return { gate, redisTrouble: () => trouble }
}

/** The Express app of one scenario, and what must settle before it serves. */
export function createApp(name: ScenarioName): { app: Express; ready: () => Promise<void> } {
  const app = express()
  let ready = async (): Promise<void> => {}
  switch (name) {
    case 'express':
      app.get(ROUTE, listRows)
      break
    case 'static':
      app.use(
        tokenAuth({
          databases: DATABASES,
          tokens: [
            { token: STATIC_TOKENS[READER], actor: { id: READER } },
            { token: STATIC_TOKENS[OUTSIDER], actor: { id: OUTSIDER } },
          ],
        }),
      )
      app.get(ROUTE, requirePermission(ACTION, ':db', ':table'), listRows)
      break
    case 'static-limited':
    case 'static-redis': {
      const { gate, redisTrouble } = limitedGate(name === 'static-redis' ? 'redis' : 'memory')
      ready = async () => {
        await gate.ready()
        const trouble = redisTrouble()
        if (trouble !== null) throw new Error(`the rate-limit store is not usable: ${trouble}`)
      }
      app.use(tokenAuth(gate))
      app.get(ROUTE, requirePermission(ACTION, ':db', ':table'), listRows)
      break
    }
    case 'dstok':
      app.use(tokenAuth({ databases: DATABASES, secret: SIGNING_SECRET }))
      app.get(ROUTE, requirePermission(ACTION, ':db', ':table'), listRows)
      break
    case 'jwt':
      app.use(tokenAuth({ databases: DATABASES, jwt: { algorithms: ['HS256'], secret: JWT_SECRET } }))
      app.get(ROUTE, requirePermission(ACTION, ':db', ':table'), listRows)
      break
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
  }
  return { app, ready }
}

function report(message: { type: 'ready'; scenario: ScenarioName; port: number }): void {
  if (process.send !== undefined) process.send(message)
  else process.stdout.write(`${JSON.stringify(message)}\n`)
}

function main(): void {
  const name = process.argv[2] ?? ''
  if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
    process.stderr.write(`usage: node dist/examples/benchmark/server.js <${SCENARIO_NAMES.join('|')}>\n`)
    process.exit(2)
  }
  const scenario = scenarioNamed(name)
  const { app, ready } = createApp(scenario.name)
  const server = app.listen(0, '127.0.0.1', () => {
    ready().then(
      () => report({ type: 'ready', scenario: scenario.name, port: (server.address() as AddressInfo).port }),
      (error: unknown) => {
        process.stderr.write(`scenario server ${scenario.name}: ${error instanceof Error ? error.message : String(error)}\n`)
        process.exit(1)
      },
    )
  })
  server.on('error', (error) => {
    process.stderr.write(`scenario server ${scenario.name}: ${String(error)}\n`)
    process.exit(1)
  })
  const stop = (): void => {
    server.closeAllConnections()
    server.close(() => process.exit(0))
    setTimeout(() => process.exit(0), 1000).unref()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.on('disconnect', stop)
}

main()
