/**
 * What tokengate's own Express middlewares cost, in process: `node dist/examples/benchmark/middleware-cost.js`
 * (after `npm run build`). A complement to `npm run bench`: there, Express, Node's HTTP server and
 * the load generator share two cores with tokengate, and a noisy machine moves the ratios by more
 * than tokengate's whole cost. Here `tokenAuth` and `requirePermission('view-table', ':db', ':table')`
 * run back to back on stub requests and responses, as the benchmark's servers run them, and the
 * script prints the CPU time per request of each token kind (median of five rounds). Every
 * request must pass both: one refused stops the script with exit status 1.
 *
 * It uses only tokengate's public API, so the same compiled file can measure an older build.
 * Kinds an older build lacks (managed tokens, rate limits) are skipped, saying so.
 *
 * @module
 */
import * as tokengate from 'tokengate'
import { median } from './measure.js'
import { DATABASES, JWT_SECRET, PATH, READER, SIGNING_SECRET, STATIC_TOKENS } from './scenarios.js'

const ROUNDS = 5
/** Requests per round: `BENCH_CALLS`, else 300,000 (the test runs a few thousand). */
const CALLS = Number(process.env['BENCH_CALLS'] ?? 300_000)

/** Just what the two middlewares read of a request and a response on the allowed path. */
interface StubRequest {
  method: string
  url: string
  originalUrl: string
  ip: string
  headers: { authorization: string }
  params: { db: string; table: string }
  query: { [key: string]: string }
  actor?: unknown
}

/** One kind of token, and the middleware pair that serves it. */
interface Kind {
  readonly label: string
  readonly header: string
  readonly auth: (req: never, res: never, next: (error?: unknown) => void) => void
  readonly close?: () => Promise<void>
}

const { tokenAuth, requirePermission } = tokengate

async function kinds(): Promise<Kind[]> {
  const now = Math.floor(Date.now() / 1000)
  const list: Kind[] = [
    { label: 'static token', header: `Bearer ${STATIC_TOKENS[READER]}`, auth: tokenAuth({ databases: DATABASES, tokens: [{ token: STATIC_TOKENS[READER], actor: { id: READER } }] } as never) as never },
    {
      label: 'dstok_ token',
      header: `Bearer ${tokengate.createSignedToken({ actorId: READER, secret: SIGNING_SECRET, now })}`,
      auth: tokenAuth({ databases: DATABASES, secret: SIGNING_SECRET } as never) as never,
    },
    {
      label: 'JWT HS256',
      header: `Bearer ${tokengate.createJwt({ actorId: READER, secret: JWT_SECRET, algorithm: 'HS256', now })}`,
      auth: tokenAuth({ databases: DATABASES, jwt: { algorithms: ['HS256'], secret: JWT_SECRET } } as never) as never,
    },
  ]
  const api = tokengate as { [name: string]: unknown }
  if (typeof api['createMemoryTokenStore'] === 'function') {
    const gate = tokengate.createGate({ databases: DATABASES }, { tokenStore: tokengate.createMemoryTokenStore() })
    const { token } = await gate.tokens!.create({ actorId: READER, name: 'middleware cost' })
    list.push({ label: 'managed token (cached, usage log)', header: `Bearer ${token}`, auth: tokenAuth(gate) as never, close: () => gate.close() })
    const limited = tokengate.createGate({ databases: DATABASES, tokens: [{ token: STATIC_TOKENS[READER], actor: { id: READER } }] }, { rateLimit: { points: 1e9, duration: 60 } })
    list.push({ label: 'static token, memory rate limit', header: `Bearer ${STATIC_TOKENS[READER]}`, auth: tokenAuth(limited) as never, close: () => limited.close() })
  } else {
    process.stdout.write('managed tokens and rate limits: not in this build, skipped\n')
  }
  return list
}

const guard = requirePermission('view-table', ':db', ':table') as unknown as (req: never, res: never, next: (error?: unknown) => void) => void

/** CPU µs per request through tokenAuth and the guard, over `n` requests. */
function perRequest(kind: Kind, n: number): number {
  // The response "finishes" when the guard lets the request through: a managed token's usage
  // entry is made then, as after a real response.
  const finishers: (() => void)[] = []
  const res = {
    statusCode: 200,
    headersSent: false,
    setHeader() {},
    once(event: string, listener: () => void) {
      if (event === 'finish') finishers.push(listener)
    },
  }
  let failed: unknown = null
  let passed = 0
  const afterGuard = (error?: unknown): void => {
    if (error !== undefined) failed = error
    else passed += 1
    for (const finish of finishers.splice(0)) finish()
  }
  const start = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    const req: StubRequest = {
      method: 'GET',
      url: PATH,
      originalUrl: PATH,
      ip: '127.0.0.1',
      headers: { authorization: kind.header },
      params: { db: 'docs', table: 'documents' },
      query: {},
    }
    kind.auth(req as never, res as never, (error?: unknown) => {
      if (error !== undefined) failed = error
      else guard(req as never, res as never, afterGuard)
    })
  }
  const used = process.cpuUsage(start)
  if (failed !== null || passed !== n) throw new Error(`${kind.label}: ${passed} of ${n} requests passed (${String(failed)})`)
  return (used.user + used.system) / n
}

async function main(): Promise<void> {
  const list = await kinds()
  for (const kind of list) perRequest(kind, Math.min(CALLS, 50_000))
  const results = new Map<string, number[]>(list.map((kind) => [kind.label, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of list) results.get(kind.label)!.push(perRequest(kind, CALLS))
  }
  process.stdout.write(`tokenAuth + requirePermission on stub requests, CPU µs per request (median of ${ROUNDS} rounds of ${CALLS.toLocaleString('en-US')}):\n`)
  for (const [label, values] of results) {
    process.stdout.write(`  ${label.padEnd(34)} ${median(values).toFixed(2)} µs  (rounds ${values.map((v) => v.toFixed(2)).join(' / ')})\n`)
  }
  for (const kind of list) await kind.close?.()
}

main().catch((error: unknown) => {
  process.stderr.write(`middleware-cost: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
