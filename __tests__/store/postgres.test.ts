/**
 * The PostgreSQL store: the contract in a schema of its own, then what only PostgreSQL has:
 * migrations under an advisory lock (ten stores opening together migrate once), a schema from
 * the future refused at open, an unreachable server refused at open without a password in the
 * message, the application's own pool, and the LISTEN connection's reset.
 *
 * Needs TOKENGATE_TEST_POSTGRES; skipped, saying so, without it.
 */
import { Pool } from 'pg'
import { inspect } from 'node:util'
import { createGate, openPostgresTokenStore, openTokenStore } from 'tokengate'
import { POSTGRES_MIGRATIONS } from '../../lib/store/migrations/postgres.js'
import { POSTGRES_URL, describePostgres, dropSchemas, freshSchema, sql } from '../helpers/postgres.js'
import { openError, storedToken, tokenStoreContract } from './contract.js'

const schemas: string[] = []
function schema(): string {
  const name = freshSchema()
  schemas.push(name)
  return name
}
afterAll(async () => {
  await dropSchemas(schemas)
})

describePostgres('postgres', () => {
  tokenStoreContract('postgres', { open: () => openPostgresTokenStore({ connectionString: POSTGRES_URL!, schema: schema() }) })

  test('ten stores opening together migrate once, under the advisory lock', async () => {
    const name = schema()
    const stores = await Promise.all(Array.from({ length: 10 }, () => openTokenStore(`${POSTGRES_URL!}?schema=${name}`)))
    const { rows } = await sql(`SELECT version FROM "${name}".tokengate_migrations ORDER BY version`)
    expect(rows).toEqual([{ version: 1 }, { version: 2 }])
    await Promise.all(stores.map((s) => s.close()))
  })

  test('a schema from the future is refused with a clear error', async () => {
    const name = schema()
    const future = [...POSTGRES_MIGRATIONS, { version: 7, name: 'from the future', sql: 'CREATE TABLE tokengate_future (x integer)' }]
    await (await openPostgresTokenStore({ connectionString: POSTGRES_URL!, schema: name, migrations: future })).close()
    const error = await openError(() => openPostgresTokenStore({ connectionString: POSTGRES_URL!, schema: name }))
    expect(error.message).toMatch(
      new RegExp(
        `^The token store postgres://.* schema ${name} has schema version 7, newer than this version of tokengate knows \\(${POSTGRES_MIGRATIONS.length}\\): upgrade tokengate`,
      ),
    )
  })

  test('a store of schema version 1 is migrated to version 2 on open, keeping its tokens, and gets a usage log', async () => {
    const name = schema()
    const v1 = await openPostgresTokenStore({ connectionString: POSTGRES_URL!, schema: name, migrations: POSTGRES_MIGRATIONS.filter((m) => m.version === 1) })
    const token = storedToken()
    await v1.insert(token, { tokenId: token.id, action: 'create', at: 1, by: null, changes: {} })
    await v1.close()
    const v2 = await openPostgresTokenStore({ connectionString: POSTGRES_URL!, schema: name })
    expect(await v2.get(token.id)).toEqual(token)
    await v2.appendUsage([{ tokenId: token.id, at: 5, method: 'GET', path: '/', action: null, database: null, resource: null, outcome: 'authenticated', status: 200 }], 10)
    expect((await v2.usage(token.id, { limit: 10 })).map((e) => e.path)).toEqual(['/'])
    await v2.close()
  })

  test('an unreachable server is refused at open, and the message has no password', async () => {
    const error = await openError(() => openTokenStore('postgres://someone:hunter2-secret@127.0.0.1:1/db'))
    expect(error.message).toMatch(/^Cannot open the token store postgres:\/\/someone@127\.0\.0\.1:1\/db schema public: the server refused the connection/)
    expect(error.message).not.toContain('hunter2')
    // Nor its cause, as a logger that prints the whole error shows it.
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain('hunter2')
  })

  test('an open store, and a gate that opened it from token_store, never show the password (issue 9)', async () => {
    // Trust authentication: the password is accepted and ignored, so the store opens with it in its URL.
    const url = new URL(POSTGRES_URL as string)
    url.password = 'hunter3-secret'
    url.searchParams.set('schema', schema())
    const store = await openTokenStore(url.toString())
    expect(store.description).not.toContain('hunter3')
    expect(inspect(store, { depth: 10, showHidden: true })).not.toContain('hunter3')
    await store.close()
    const gate = createGate({ token_store: url.toString() })
    await gate.ready()
    expect(gate.config.token_store).toBe('[redacted]')
    expect(inspect(gate, { depth: 10, showHidden: true })).not.toContain('hunter3')
    // Near miss: the gate did open the store with that URL.
    expect((await gate.tokens!.create({ actorId: 'alice', name: 'n' })).record.actorId).toBe('alice')
    await gate.close()
  })

  test("the application's pool: used as it is, never ended by the store", async () => {
    const pool = new Pool({ connectionString: POSTGRES_URL })
    pool.on('error', () => {})
    const store = await openPostgresTokenStore({ pool, schema: schema() })
    const token = storedToken()
    await store.insert(token, { tokenId: token.id, action: 'create', at: 1, by: null, changes: {} })
    expect(await store.findByHash(token.hash)).toEqual(token)
    await store.close()
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await pool.end()
  })

  test('misuse is a TypeError: no connection, both, a bad schema name', async () => {
    await expect(openPostgresTokenStore({})).rejects.toThrow(new TypeError('openPostgresTokenStore needs either "connectionString" or "pool" (a pg Pool), not both'))
    await expect(openPostgresTokenStore({ connectionString: POSTGRES_URL!, schema: 'Bad-Name' })).rejects.toThrow(TypeError)
  })

  test('when the LISTEN connection is killed, listeners get a reset, and changes are heard again after it reconnects', async () => {
    const name = schema()
    const store = await openPostgresTokenStore({ connectionString: POSTGRES_URL!, schema: name })
    const events: string[] = []
    store.subscribe((event) => events.push(event.type === 'reset' ? 'reset' : `changed ${event.tokenId}`))
    await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN "tokengate:${name}"'`)
    const deadline = Date.now() + 5000
    while (events.filter((e) => e === 'reset').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(events.filter((e) => e === 'reset').length).toBeGreaterThanOrEqual(2)
    const token = storedToken()
    await store.insert(token, { tokenId: token.id, action: 'create', at: 1, by: null, changes: {} })
    while (!events.includes(`changed ${token.id}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(events).toContain(`changed ${token.id}`)
    await store.close()
  })
})
