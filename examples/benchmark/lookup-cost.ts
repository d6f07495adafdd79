/**
 * What a managed token's store lookup costs, in process: `node dist/examples/benchmark/lookup-cost.js`
 * (after `npm run build`). A complement to `npm run bench`, whose HTTP runs a busy machine
 * disturbs more: it authenticates the same managed token through a gate's request path
 * (`tokenAuth`'s call, without HTTP) with the cache and without it (`tokenCacheTtl: 0`),
 * alternating, and prints the CPU time per call of each and their difference: what the lookup
 * adds to every request when the cache is off. SQLite always; PostgreSQL when `BENCH_POSTGRES` or
 * `TOKENGATE_TEST_POSTGRES` names a server (in a schema of its own, dropped afterwards).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { type Gate, type TokenStore, createGate, openTokenStore } from 'tokengate'
import { internalsOf } from '../../lib/internal/gate-internals.js'
import { median } from './measure.js'
import { benchPostgresUrl } from './scenarios.js'

const ROUNDS = 5

/** CPU µs per authentication of `header` through `gate`, over `n` calls. */
async function perCall(gate: Gate, header: string, n: number): Promise<number> {
  const internals = internalsOf(gate, 'lookup-cost')
  const queryOf = (): undefined => undefined
  const start = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    const verified = internals.authenticate(header, null, queryOf)
    if (verified instanceof Promise) await verified
  }
  const used = process.cpuUsage(start)
  return (used.user + used.system) / n
}

async function measure(label: string, store: TokenStore, calls: { cached: number; uncached: number }): Promise<void> {
  const cached = createGate({}, { tokenStore: store })
  const uncached = createGate({}, { tokenStore: store, tokenCacheTtl: 0 })
  const { token } = await cached.tokens!.create({ actorId: 'reader', name: `lookup cost ${randomBytes(4).toString('hex')}` })
  const header = `Bearer ${token}`
  await perCall(cached, header, 1000)
  await perCall(uncached, header, 200)
  const added: number[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    const a = await perCall(cached, header, calls.cached)
    const b = await perCall(uncached, header, calls.uncached)
    added.push(b - a)
    process.stdout.write(`${label} round ${round}: cached ${a.toFixed(2)} µs, no cache ${b.toFixed(2)} µs, the lookup adds ${(b - a).toFixed(2)} µs of CPU\n`)
  }
  process.stdout.write(`${label}: the store lookup adds ${median(added).toFixed(1)} µs of CPU per request (median of ${ROUNDS})\n\n`)
  await cached.close()
  await uncached.close()
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-lookup-'))
  try {
    const sqlite = await openTokenStore(`sqlite:${join(dir, 'tokens.db')}`)
    await measure('SQLite', sqlite, { cached: 200_000, uncached: 50_000 })
    await sqlite.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const url = benchPostgresUrl()
  if (url === undefined) {
    process.stdout.write('PostgreSQL: not measured (set BENCH_POSTGRES or TOKENGATE_TEST_POSTGRES)\n')
    return
  }
  const schema = `tokengate_bench_${randomBytes(6).toString('hex')}`
  const store = await openTokenStore(url, { schema })
  try {
    await measure('PostgreSQL', store, { cached: 200_000, uncached: 5_000 })
  } finally {
    await store.close()
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await client.end()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`lookup-cost: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
