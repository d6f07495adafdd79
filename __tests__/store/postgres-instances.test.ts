/**
 * Many instances on one PostgreSQL (SPEC section 9, "Revocation and edits take effect"): two
 * gates, each with its own store and pool on one schema, as two processes of an application
 * would have.
 *
 * - 200 concurrent creates and revokes spread over both: nothing lost, no duplicate ids, and no
 *   revoked token authenticates on either gate after the propagation bound (1 second), although
 *   each gate had it cached for 5 seconds.
 * - A revocation made on one gate is refused by the other within 1 second.
 * - The database going away mid-run (a TCP proxy on 127.0.0.1 that the test stops and starts):
 *   503s while it is away, and the gate recovers by itself when it is back, LISTEN included.
 *
 * Needs TOKENGATE_TEST_POSTGRES; skipped, saying so, without it.
 */
import { type Gate, StoreUnavailableError, type TokenStore, createGate, openPostgresTokenStore } from 'tokengate'
import { POSTGRES_URL, describePostgres, dropSchemas, freshSchema } from '../helpers/postgres.js'
import { type TcpProxy, tcpProxy } from '../helpers/tcp-proxy.js'

const PROPAGATION_MS = 1000
const schemas: string[] = []
const closers: (() => Promise<void>)[] = []

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {})
  await dropSchemas(schemas)
})

async function twoGates(options: { viaProxy?: string } = {}): Promise<{ a: Gate; b: Gate; storeA: TokenStore; storeB: TokenStore }> {
  const schema = freshSchema()
  schemas.push(schema)
  const storeA = await openPostgresTokenStore({ connectionString: options.viaProxy ?? POSTGRES_URL!, schema })
  const storeB = await openPostgresTokenStore({ connectionString: POSTGRES_URL!, schema })
  closers.push(() => storeA.close(), () => storeB.close())
  return { a: createGate({}, { tokenStore: storeA }), b: createGate({}, { tokenStore: storeB }), storeA, storeB }
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` })

/** What a gate says about a token: `ok`, or the error's message. */
async function verdict(gate: Gate, token: string): Promise<string> {
  return gate.authenticate(auth(token)).then(
    () => 'ok',
    (error: Error) => error.message,
  )
}

async function waitFor(what: string, check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = Date.now()
  for (;;) {
    if (await check()) return Date.now() - started
    if (Date.now() - started > withinMs) throw new Error(`${what}: not within ${withinMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A TCP proxy on 127.0.0.1 to the test PostgreSQL, stopped and started again on the same port, and its URL. */
function postgresProxy(): TcpProxy & { url(): string } {
  const target = new URL(POSTGRES_URL!)
  const proxy = tcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
  return Object.assign(proxy, {
    url() {
      const url = new URL(POSTGRES_URL!)
      url.hostname = '127.0.0.1'
      url.port = String(proxy.port)
      return url.toString()
    },
  })
}

describePostgres('two gates on one PostgreSQL', () => {
  test('200 concurrent creates and revokes: nothing lost, no duplicate ids, no revoked token authenticates after the propagation bound', async () => {
    const { a, b } = await twoGates()
    const gates = [a, b]
    const made = await Promise.all(
      Array.from({ length: 200 }, (_, i) => gates[i % 2]!.tokens!.create({ actorId: `user${i % 7}`, name: `token ${i}`, createdBy: 'load' })),
    )
    const ids = made.map((m) => m.record.id)
    expect(new Set(ids).size).toBe(200)
    expect(new Set(made.map((m) => m.token)).size).toBe(200)
    const listed = new Set<string>()
    for (let cursor: string | null = null, first = true; first || cursor !== null; first = false) {
      const page = await b.tokens!.list({ limit: 64, cursor })
      for (const t of page.tokens) listed.add(t.id)
      cursor = page.next
    }
    expect([...listed].sort()).toEqual([...ids].sort())

    // Both gates now have every token cached (for 5 seconds).
    await Promise.all(made.flatMap(({ token }) => gates.map(async (gate) => expect(await verdict(gate, token)).toBe('ok'))))

    // Revoke half, from both gates at once, while the other half keeps authenticating.
    const revoked = made.filter((_, i) => i % 2 === 0)
    const kept = made.filter((_, i) => i % 2 === 1)
    const [revocations] = await Promise.all([
      Promise.all(revoked.map(({ record }, i) => gates[(i + 1) % 2]!.tokens!.revoke(record.id, { by: 'load' }))),
      Promise.all(kept.map(({ token }, i) => verdict(gates[i % 2]!, token))),
    ])
    expect(revocations.every((r) => r.status === 'revoked')).toBe(true)
    await new Promise((r) => setTimeout(r, PROPAGATION_MS))
    const after = await Promise.all(made.flatMap(({ token }, i) => gates.map(async (gate) => [i % 2 === 0, await verdict(gate, token)] as const)))
    expect(after.filter(([wasRevoked, v]) => wasRevoked && v !== 'Token has been revoked')).toEqual([])
    expect(after.filter(([wasRevoked, v]) => !wasRevoked && v !== 'ok')).toEqual([])
    const audit = await a.tokens!.audit(revoked[0]!.record.id)
    expect(audit.map((e) => [e.action, e.by])).toEqual([
      ['create', 'load'],
      ['revoke', 'load'],
    ])
  })

  test('a revocation made on one gate is refused by the other within 1 second', async () => {
    const { a, b } = await twoGates()
    const { token, record } = await a.tokens!.create({ actorId: 'alice', name: 'ci' })
    expect(await verdict(b, token)).toBe('ok') // cached on b for 5 seconds
    await a.tokens!.revoke(record.id)
    const took = await waitFor('b refuses the revoked token', async () => (await verdict(b, token)) === 'Token has been revoked', PROPAGATION_MS)
    expect(took).toBeLessThan(PROPAGATION_MS)
    // And a rotation: the old secret stops on b too.
    const other = await b.tokens!.create({ actorId: 'alice', name: 'rotating' })
    expect(await verdict(a, other.token)).toBe('ok')
    const rotated = await b.tokens!.rotate(other.record.id)
    await waitFor('a refuses the rotated-out secret', async () => (await verdict(a, other.token)) === 'Unknown token', PROPAGATION_MS)
    expect(await verdict(a, rotated.token)).toBe('ok')
  })

  test('the database going away mid-run gives 503s, and the gate recovers by itself when it is back', async () => {
    const proxy = postgresProxy()
    await proxy.start()
    closers.push(() => proxy.stop())
    const { a, b } = await twoGates({ viaProxy: proxy.url() })
    const before = await a.tokens!.create({ actorId: 'alice', name: 'before' })
    expect(await verdict(a, before.token)).toBe('ok')

    await proxy.stop()
    // A token a has not cached: the store cannot be asked, so 503, never a pass.
    const unseen = await b.tokens!.create({ actorId: 'alice', name: 'made elsewhere' })
    const error = await a.authenticate(auth(unseen.token)).then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect([(error as StoreUnavailableError).status, (error as StoreUnavailableError).headers['Retry-After']]).toEqual([503, '2'])
    await expect(a.tokens!.create({ actorId: 'alice', name: 'during' })).rejects.toBeInstanceOf(StoreUnavailableError)
    // The LISTEN connection was lost too: a cleared its cache, so even the cached token is asked for, and is a 503.
    await waitFor('a cleared its cache', async () => (await verdict(a, before.token)) === 'Token store unavailable', 3000)

    await proxy.start()
    await waitFor('a recovers without a restart', async () => (await verdict(a, unseen.token)) === 'ok', 10_000)
    expect(await verdict(a, before.token)).toBe('ok')
    // LISTEN is back as well: a revocation on b reaches a within the bound.
    await waitFor('a listens again', async () => {
      const probe = await b.tokens!.create({ actorId: 'alice', name: `probe ${Math.random()}` })
      await verdict(a, probe.token)
      await b.tokens!.revoke(probe.record.id)
      await new Promise((r) => setTimeout(r, PROPAGATION_MS))
      return (await verdict(a, probe.token)) === 'Token has been revoked'
    }, 10_000)
  }, 30_000)
})
