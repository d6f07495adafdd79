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
import { checkManagedTokenShape } from 'tokengate'
import {
  EXPECTED_BODY,
  MANAGED_TOKENS,
  PATH,
  SCENARIOS,
  SCENARIO_NAMES,
  type ScenarioName,
  credentialsFor,
  runnableScenarios,
} from '../../examples/benchmark/scenarios.js'
import { probe, serverScript, startScenarioServer, stopAllServers } from '../../examples/benchmark/scenario-process.js'

const TOKENGATE_SCENARIOS: readonly ScenarioName[] = [
  'static',
  'dstok',
  'jwt',
  'managed-sqlite',
  'managed-postgres',
  'managed-sqlite-nocache',
  'managed-postgres-nocache',
]

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
      dstok: 0.85,
      jwt: 0.78,
      'managed-sqlite': 0.9,
      'managed-postgres': 0.9,
      'managed-sqlite-nocache': null,
      'managed-postgres-nocache': null,
      'express-jwt': null,
      passport: null,
    })
    const lookups = Object.fromEntries(SCENARIOS.filter((s) => s.lookup !== null).map((s) => [s.name, s.lookup]))
    expect(lookups).toEqual({
      'managed-sqlite-nocache': { cachedScenario: 'managed-sqlite', targetMicros: 25 },
      'managed-postgres-nocache': { cachedScenario: 'managed-postgres', targetMicros: null },
    })
  })

  test('the managed fixtures are well-formed tgk_ tokens, so the forged one reaches the store', () => {
    for (const token of Object.values(MANAGED_TOKENS)) expect(checkManagedTokenShape(token, 'tgk')).toBe('ok')
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

  const skipped = SCENARIOS.filter((s) => !runnableScenarios().includes(s))
  if (skipped.length > 0) {
    // eslint-disable-next-line no-console
    console.log(`Skipping ${skipped.map((s) => s.name).join(', ')}: set TOKENGATE_TEST_POSTGRES to a PostgreSQL URL to check them`)
  }

  test.each(runnableScenarios().map((s) => [s.label, s.name] as const))(
    '%s answers the measured request and denies the near misses',
    async (_label, name) => {
      const credentials = credentialsFor(name)
      const server = await startScenarioServer(name)
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
