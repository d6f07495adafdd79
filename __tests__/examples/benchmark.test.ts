/**
 * The benchmark measures servers that really authenticate and authorize: every scenario server
 * of both groups is started exactly as `npm run bench` starts it (the compiled
 * `dist/examples/benchmark/server.js` or `fastify-server.js` in its own process, which `npm test`
 * builds before jest runs), then it must answer the measured request 200 with the shared body,
 * deny a near miss (a valid token of an actor without the permission) 403, and refuse a forged
 * token and a missing one 401. @fastify/bearer-auth checks no permission, so it has no near miss.
 * The managed-token servers seed their own store (the forgery is a well-formed token that was
 * never stored, so it reaches the store); the PostgreSQL ones need `TOKENGATE_TEST_POSTGRES`.
 * The rate-limited servers must also really limit: with a quota of 3, the fourth request in the
 * window is refused 429 with its headers; the Redis one needs `TOKENGATE_TEST_REDIS`.
 *
 * The Fastify servers are also checked for what they load: bare Fastify and @fastify/bearer-auth
 * nothing of tokengate, tokengate's scenarios `tokengate/fastify` and not the Express adapter.
 * And the built-in load generator is checked against a real server: it counts, it catches a
 * wrong status, a wrong body and a server that goes away.
 *
 * The in-process middleware-cost script runs too, every request of every token kind allowed.
 *
 * No timing is asserted here: speed is `npm run bench`'s business.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { checkManagedTokenShape } from 'tokengate'
import { credentialsFor } from '../../examples/benchmark/credentials.js'
import { generateLoad } from '../../examples/benchmark/load.js'
import { probe, serverScript, startScenarioServer, stopAllServers } from '../../examples/benchmark/scenario-process.js'
import {
  EXPECTED_BODY,
  FRAMEWORKS,
  MANAGED_TOKENS,
  PATH,
  SCENARIOS,
  SCENARIO_NAMES,
  type Scenario,
  type ScenarioName,
  runnableScenarios,
} from '../../examples/benchmark/scenarios.js'
import { inPackage, loadedModules } from '../helpers/module-probe.js'

const TOKENGATE_SCENARIOS: readonly ScenarioName[] = [
  'static',
  'static-limited',
  'static-redis',
  'dstok',
  'jwt',
  'managed-sqlite',
  'managed-postgres',
  'managed-sqlite-nocache',
  'managed-postgres-nocache',
  'fastify-static',
  'fastify-dstok',
]
const BARE: readonly ScenarioName[] = ['express', 'express-noop', 'fastify', 'fastify-root-entry']

/** The Redis the Redis scenario needs; without it, that scenario is skipped, saying so. */
const REDIS = process.env['TOKENGATE_TEST_REDIS'] || undefined
/** The scenarios this run checks: those the machine can run, less the Redis one without a Redis. */
const checked = (): readonly Scenario[] => runnableScenarios().filter((s) => REDIS !== undefined || s.rateLimit !== 'redis')
const serverEnv = { TOKENGATE_BENCH_REDIS: REDIS ?? '' }

afterAll(async () => {
  await stopAllServers()
})

describe('the scenario table', () => {
  test('lists every scenario once, each bare framework first in its group', () => {
    expect(SCENARIOS.map((s) => s.name)).toEqual([...SCENARIO_NAMES])
    for (const framework of FRAMEWORKS) {
      expect(SCENARIOS.find((s) => s.framework === framework)?.name).toBe(framework)
    }
  })

  test('carries the issue targets for tokengate and none for the others', () => {
    const targets = Object.fromEntries(SCENARIOS.map((s) => [s.name, s.target]))
    expect(targets).toEqual({
      express: null,
      'express-noop': null,
      static: 0.93,
      'static-limited': 0.9,
      'static-redis': null,
      dstok: 0.85,
      jwt: 0.78,
      'managed-sqlite': 0.9,
      'managed-postgres': 0.9,
      'managed-sqlite-nocache': null,
      'managed-postgres-nocache': null,
      'express-jwt': null,
      passport: null,
      fastify: null,
      'fastify-bearer-auth': null,
      'fastify-static': 0.87,
      'fastify-dstok': null,
      'fastify-root-entry': null,
    })
    const lookups = Object.fromEntries(SCENARIOS.filter((s) => s.lookup !== null).map((s) => [s.name, s.lookup]))
    expect(lookups).toEqual({
      'managed-sqlite-nocache': { cachedScenario: 'managed-sqlite', targetMicros: 25 },
      'managed-postgres-nocache': { cachedScenario: 'managed-postgres', targetMicros: null },
    })
  })

  test('puts the managed-token scenarios in the Express group, and skips only the PostgreSQL ones without a server', () => {
    const managed = SCENARIOS.filter((s) => s.store !== null)
    expect(managed.map((s) => [s.name, s.framework, s.store])).toEqual([
      ['managed-sqlite', 'express', 'sqlite'],
      ['managed-postgres', 'express', 'postgres'],
      ['managed-sqlite-nocache', 'express', 'sqlite'],
      ['managed-postgres-nocache', 'express', 'postgres'],
    ])
    expect(runnableScenarios({}).map((s) => s.name)).toEqual(SCENARIO_NAMES.filter((name) => !name.startsWith('managed-postgres')))
    expect(runnableScenarios({ TOKENGATE_TEST_POSTGRES: 'postgres://127.0.0.1/x' }).map((s) => s.name)).toEqual([...SCENARIO_NAMES])
    expect(runnableScenarios({ BENCH_POSTGRES: 'postgres://127.0.0.1/x' }).map((s) => s.name)).toEqual([...SCENARIO_NAMES])
  })

  test('puts the rate-limited scenarios (issue 11) in the Express group, counted in memory and in Redis', () => {
    expect(SCENARIOS.filter((s) => s.rateLimit !== null).map((s) => [s.name, s.framework, s.rateLimit])).toEqual([
      ['static-limited', 'express', 'memory'],
      ['static-redis', 'express', 'redis'],
    ])
  })

  test('the managed fixtures are well-formed tgk_ tokens, so the forged one reaches the store', () => {
    for (const token of Object.values(MANAGED_TOKENS)) expect(checkManagedTokenShape(token, 'tgk')).toBe('ok')
  })

  test('gives every guarded scenario a measured token, a near miss and a forgery, all different', () => {
    for (const name of SCENARIO_NAMES) {
      const { token, nearMiss, forged } = credentialsFor(name)
      if (BARE.includes(name)) {
        expect([token, nearMiss, forged]).toEqual([null, null, null])
      } else if (name === 'fastify-bearer-auth') {
        expect(nearMiss).toBeNull()
        expect(new Set([token, forged]).size).toBe(2)
      } else {
        expect(new Set([token, nearMiss, forged]).size).toBe(3)
      }
    }
  })
})

describe('each scenario server, started as the benchmark starts it', () => {
  beforeAll(() => {
    for (const framework of FRAMEWORKS) {
      if (!existsSync(serverScript(framework))) throw new Error(`${serverScript(framework)} is missing: run npm run build first (npm test does)`)
    }
  })

  const skipped = SCENARIOS.filter((s) => !checked().includes(s))
  if (skipped.length > 0) {
    // eslint-disable-next-line no-console
    console.log(
      `Skipping ${skipped.map((s) => s.name).join(', ')}: set TOKENGATE_TEST_POSTGRES to a PostgreSQL URL and TOKENGATE_TEST_REDIS to a Redis URL to check them`,
    )
  }

  test.each(checked().map((s) => [s.label, s.name] as const))(
    '%s answers the measured request and denies the near misses',
    async (_label, name) => {
      const credentials = credentialsFor(name)
      const server = await startScenarioServer(name, { env: serverEnv })
      try {
        const measured = await probe(server.port, PATH, credentials.token)
        expect(measured.status).toBe(200)
        expect(measured.body).toBe(EXPECTED_BODY)
        expect(measured.headers['content-type']).toMatch(/^application\/json/)

        if (BARE.includes(name)) {
          expect(credentials.nearMiss).toBeNull()
          return
        }
        if (credentials.nearMiss !== null) {
          // An actor who authenticates but may not view docs/documents: the permission check runs.
          const nearMiss = await probe(server.port, PATH, credentials.nearMiss)
          expect(nearMiss.status).toBe(403)
          expect(nearMiss.body).not.toContain('rows')
          if (TOKENGATE_SCENARIOS.includes(name)) expect(nearMiss.headers['www-authenticate']).toContain('error="insufficient_scope"')
        }
        // A token whose signature (or lookup) fails, and no token at all: authentication runs.
        const forged = await probe(server.port, PATH, credentials.forged)
        expect(forged.status).toBe(401)
        expect(forged.body).not.toContain('rows')
        const anonymous = await probe(server.port, PATH, null)
        expect(anonymous.status).toBe(401)
        if (TOKENGATE_SCENARIOS.includes(name)) expect(forged.headers['www-authenticate']).toContain('error="invalid_token"')
      } finally {
        await server.stop()
      }
    },
    30_000,
  )
})

describe('what each Fastify scenario server loads', () => {
  const serverUrl = pathToFileURL(serverScript('fastify')).href
  const tokengateFiles = (path: string) => path.startsWith('dist/lib/')

  test.each([['fastify'], ['fastify-bearer-auth']] as const)('%s loads Fastify and nothing of tokengate', (name) => {
    const loaded = loadedModules([serverUrl], [name])
    expect(loaded).toContain('dist/examples/benchmark/fastify-server.js')
    expect(loaded.some(inPackage('fastify'))).toBe(true)
    expect(loaded.filter(tokengateFiles)).toEqual([])
    expect(loaded.filter(inPackage('express'))).toEqual([])
    expect(loaded.some(inPackage('@fastify/bearer-auth'))).toBe(name === 'fastify-bearer-auth')
  })

  test.each([['fastify-static'], ['fastify-dstok']] as const)('%s loads tokengate/fastify, not the Express adapter', (name) => {
    const loaded = loadedModules([serverUrl], [name])
    expect(loaded).toContain('dist/lib/adapters/fastify/index.js')
    expect(loaded.filter((path) => path.startsWith('dist/lib/adapters/express/') || path === 'dist/lib/index.js')).toEqual([])
    expect(loaded.filter(inPackage('express'))).toEqual([])
  })

  test("fastify-root-entry loads tokengate's root entry (the question it answers), and Express only as types", () => {
    const loaded = loadedModules([serverUrl], ['fastify-root-entry'])
    expect(loaded).toContain('dist/lib/index.js')
    expect(loaded).toContain('dist/lib/adapters/express/token-auth.js')
    expect(loaded.filter(inPackage('express'))).toEqual([])
  })
})

describe('the built-in load generator', () => {
  let server: Server
  let port: number
  let answer: { status: number; body: string } = { status: 200, body: EXPECTED_BODY }
  const seen: (string | undefined)[] = []

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization)
      // Headers and body in separate writes: the generator must put an answer together.
      res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer.body) })
      res.write(answer.body.slice(0, 5))
      setImmediate(() => res.end(answer.body.slice(5)))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  const run = (seconds = 0.3) =>
    generateLoad({ port, path: PATH, headers: { authorization: 'Bearer abc' }, connections: 4, seconds, expectBody: EXPECTED_BODY })

  test('counts good answers and sends the headers', async () => {
    answer = { status: 200, body: EXPECTED_BODY }
    seen.length = 0
    const result = await run()
    expect(result.requests).toBeGreaterThan(10)
    expect(seen.length).toBe(result.requests)
    expect(new Set(seen)).toEqual(new Set(['Bearer abc']))
    expect(result).toMatchObject({ non2xx: 0, mismatches: 0, errors: 0, timeouts: 0, statusCodes: { '200': result.requests } })
    expect(result.p99).toBeGreaterThan(0)
    expect(result.duration).toBeGreaterThan(0.2)
  })

  test('a wrong status and a wrong body are counted', async () => {
    answer = { status: 403, body: '{"ok":false}' }
    const denied = await run()
    expect(denied.non2xx).toBe(denied.requests)
    expect(denied.requests).toBeGreaterThan(0)

    answer = { status: 200, body: EXPECTED_BODY.replace('Tokens', 'tokens') }
    const wrong = await run()
    expect(wrong.mismatches).toBe(wrong.requests)
    expect(wrong.non2xx).toBe(0)
  })

  test('a connection the server drops is an error, and stop() ends the run early', async () => {
    const dropping = createServer((req) => req.socket.destroy())
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve))
    try {
      const load = generateLoad({
        port: (dropping.address() as AddressInfo).port,
        path: PATH,
        headers: {},
        connections: 2,
        seconds: 30,
        expectBody: EXPECTED_BODY,
      })
      setTimeout(() => load.stop(), 200)
      const result = await load
      expect(result.errors).toBeGreaterThan(0)
      expect(result.requests).toBe(0)
    } finally {
      await new Promise((resolve) => dropping.close(resolve))
    }
  })

  test('no server at all rejects', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const freePort = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    await expect(generateLoad({ port: freePort, path: PATH, headers: {}, connections: 2, seconds: 1, expectBody: '' })).rejects.toThrow(
      `Cannot connect to 127.0.0.1:${freePort}`,
    )
  })
})

describe('the rate-limited scenarios really limit', () => {
  test.each(checked().filter((s) => s.rateLimit !== null).map((s) => [s.label, s.name] as const))(
    '%s: with a quota of 3, the fourth request in the window is refused 429 with its headers',
    async (_label, name) => {
      const { token } = credentialsFor(name)
      const server = await startScenarioServer(name, { env: { ...serverEnv, TOKENGATE_BENCH_RATE_POINTS: '3' } })
      try {
        const answers = []
        for (let i = 0; i < 4; i++) answers.push(await probe(server.port, PATH, token))
        expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429])
        expect(answers.map((a) => a.headers['ratelimit-policy'])).toEqual(Array.from({ length: 4 }, () => '"default";q=3;w=60'))
        expect(answers.map((a) => String(a.headers['ratelimit']).replace(/t=\d+$/, 't=…'))).toEqual([
          '"default";r=2;t=…',
          '"default";r=1;t=…',
          '"default";r=0;t=…',
          '"default";r=0;t=…',
        ])
        const refused = answers[3]!
        expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(59)
        expect(JSON.parse(refused.body)).toEqual({ ok: false, error: 'Rate limit exceeded', errors: ['Rate limit exceeded'], status: 429 })
      } finally {
        await server.stop()
      }
    },
    30_000,
  )

  test('the unlimited static scenario sends no RateLimit headers (the limit is what the limited ones add)', async () => {
    const server = await startScenarioServer('static', { env: { ...serverEnv, TOKENGATE_BENCH_RATE_POINTS: '3' } })
    try {
      const answer = await probe(server.port, PATH, credentialsFor('static').token)
      expect(answer.status).toBe(200)
      expect(answer.headers['ratelimit']).toBeUndefined()
    } finally {
      await server.stop()
    }
  })
})

describe('alternate.js', () => {
  test('alternates the named scenario servers and prints a median line for each', async () => {
    const script = serverScript().replace(/server\.js$/, 'alternate.js')
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [script, 'express', 'express-noop'], { env: { ...process.env, BENCH_ROUNDS: '2', BENCH_DURATION: '0.5' } }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr })
      })
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout.match(/^round \d\/2 /gm)).toHaveLength(4)
    expect([...run.stdout.matchAll(/^ {2}(\S+) +\d+\.\d µs of server CPU per request, \d+ req\/s$/gm)].map((m) => m[1])).toEqual(['express', 'express-noop'])
  }, 60_000)

  test('refuses an unknown scenario, naming it', async () => {
    const script = serverScript().replace(/server\.js$/, 'alternate.js')
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [script, 'express', 'expres'], (error, _stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stderr })
      })
    })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^alternate: name two or more scenarios \(unknown: expres\); they are: express, express-noop, /)
  })
})

describe('the in-process middleware cost (middleware-cost.js)', () => {
  test('runs every token kind through tokenAuth and the guard, every request allowed, and prints one line each', async () => {
    const script = serverScript().replace(/server\.js$/, 'middleware-cost.js')
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [script], { env: { ...process.env, BENCH_CALLS: '2000' } }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr })
      })
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const kinds = [...run.stdout.matchAll(/^ {2}(.+?) +\d+\.\d\d µs {2}\(rounds [\d./ ]+\)$/gm)].map((m) => m[1])
    expect(kinds).toEqual(['static token', 'dstok_ token', 'JWT HS256', 'managed token (cached, usage log)', 'static token, memory rate limit'])
  }, 30_000)
})
