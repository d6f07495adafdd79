/**
 * The benchmark measures servers that really authenticate and authorize: every scenario server
 * is started exactly as `npm run bench` starts it (the compiled `dist/examples/benchmark/server.js`
 * in its own process, which `npm test` builds before jest runs), then it must answer the
 * measured request 200 with the shared body, deny a near miss (a valid token of an actor
 * without the permission) 403, and refuse a forged token and a missing one 401.
 *
 * No timing is asserted here: speed is `npm run bench`'s business.
 */
import { existsSync } from 'node:fs'
import { EXPECTED_BODY, PATH, SCENARIOS, SCENARIO_NAMES, type ScenarioName, credentialsFor } from '../../examples/benchmark/scenarios.js'
import { probe, serverScript, startScenarioServer, stopAllServers } from '../../examples/benchmark/scenario-process.js'

const TOKENGATE_SCENARIOS: readonly ScenarioName[] = ['static', 'static-limited', 'static-redis', 'dstok', 'jwt']

/** The Redis the Redis scenario needs; without it, that scenario is skipped, saying so. */
const REDIS = process.env['TOKENGATE_TEST_REDIS'] || undefined
if (REDIS === undefined) {
  // eslint-disable-next-line no-console
  console.log('Skipping the benchmark\'s Redis rate-limit scenario: set TOKENGATE_TEST_REDIS to a Redis URL (.ci/run sets it) to run it')
}
const runnable = (name: ScenarioName): boolean => REDIS !== undefined || name !== 'static-redis'
const serverEnv = { TOKENGATE_BENCH_REDIS: REDIS ?? '' }

afterAll(async () => {
  await stopAllServers()
})

describe('the scenario table', () => {
  test('lists every scenario once, bare Express first', () => {
    expect(SCENARIOS.map((s) => s.name)).toEqual([...SCENARIO_NAMES])
    expect(SCENARIOS[0]?.name).toBe('express')
  })

  test('carries the issue targets for tokengate and none for the others', () => {
    const targets = Object.fromEntries(SCENARIOS.map((s) => [s.name, s.target]))
    expect(targets).toEqual({
      express: null,
      static: 0.93,
      'static-limited': 0.9,
      'static-redis': null,
      dstok: 0.85,
      jwt: 0.78,
      'express-jwt': null,
      passport: null,
    })
  })

  test('gives every guarded scenario a measured token, a near miss and a forgery, all different', () => {
    for (const name of SCENARIO_NAMES) {
      const { token, nearMiss, forged } = credentialsFor(name)
      if (name === 'express') {
        expect([token, nearMiss, forged]).toEqual([null, null, null])
        continue
      }
      expect(new Set([token, nearMiss, forged]).size).toBe(3)
    }
  })
})

describe('each scenario server, started as the benchmark starts it', () => {
  beforeAll(() => {
    if (!existsSync(serverScript())) {
      throw new Error(`${serverScript()} is missing: run npm run build first (npm test does)`)
    }
  })

  test.each(SCENARIOS.filter((s) => runnable(s.name)).map((s) => [s.label, s.name] as const))(
    '%s answers the measured request and denies the near misses',
    async (_label, name) => {
      const credentials = credentialsFor(name)
      const server = await startScenarioServer(name, { env: serverEnv })
      try {
        const measured = await probe(server.port, PATH, credentials.token)
        expect(measured.status).toBe(200)
        expect(measured.body).toBe(EXPECTED_BODY)
        expect(measured.headers['content-type']).toMatch(/^application\/json/)

        if (name === 'express') {
          expect(credentials.nearMiss).toBeNull()
          return
        }
        // An actor who authenticates but may not view docs/documents: the permission check runs.
        const nearMiss = await probe(server.port, PATH, credentials.nearMiss)
        expect(nearMiss.status).toBe(403)
        expect(nearMiss.body).not.toContain('rows')
        // A token whose signature (or lookup) fails, and no token at all: authentication runs.
        const forged = await probe(server.port, PATH, credentials.forged)
        expect(forged.status).toBe(401)
        const anonymous = await probe(server.port, PATH, null)
        expect(anonymous.status).toBe(401)

        if (TOKENGATE_SCENARIOS.includes(name)) {
          expect(nearMiss.headers['www-authenticate']).toContain('error="insufficient_scope"')
          expect(forged.headers['www-authenticate']).toContain('error="invalid_token"')
        }
      } finally {
        await server.stop()
      }
    },
    30_000,
  )
})

describe('the rate-limited scenarios really limit', () => {
  test.each(SCENARIOS.filter((s) => s.rateLimit !== null && runnable(s.name)).map((s) => [s.label, s.name] as const))(
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
})
