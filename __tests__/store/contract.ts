/**
 * The contract every token store passes: one suite, run on the memory, SQLite and PostgreSQL
 * stores (`memory.test.ts`, `sqlite.test.ts`, `postgres.test.ts`). An application that writes
 * its own store can run it too.
 *
 * It checks the store's own promises (docs/managed-tokens.md, "Writing your own store"): rows
 * come back as written; a live name is unique per owner and a revoked token frees it; a revoked
 * token cannot be updated or rotated; every write appends its audit entry, and a refused one
 * writes nothing; revoke is idempotent; list filters, orders and pages; touch keeps the latest
 * time; listeners hear of every change; the usage log keeps each token's newest entries, newest
 * first, pages with before, and writes no audit entry and no event.
 */
import { type AuditEntry, type Restrictions, type StoredToken, StoreUnavailableError, type TokenStore, type TokenStoreEvent, type UsageEntry } from 'tokengate'

const T = 1_800_000_000

let serial = 0
/** A stored token with every field set, unique id and hash. */
export function storedToken(overrides: Partial<StoredToken> = {}): StoredToken {
  serial++
  const id = `${String(serial).padStart(4, '0')}${Math.random().toString(16).slice(2, 14).padEnd(12, '0')}`
  return {
    id,
    hash: `${id}`.padEnd(64, 'a'),
    name: `token ${serial}`,
    description: null,
    actorId: 'alice',
    restrictions: null,
    permissions: null,
    createdAt: T,
    createdBy: 'admin',
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
    revokedBy: null,
    start: 'tgk_abcd',
    rateLimit: null,
    ...overrides,
  }
}

function entry(token: Pick<StoredToken, 'id'>, action: AuditEntry['action'], changes: AuditEntry['changes'] = {}, at = T): AuditEntry {
  return { tokenId: token.id, action, at, by: 'admin', changes }
}

/** Everything a suite needs: a fresh, open store, and a way to close it. */
export interface StoreUnderTest {
  open(): Promise<TokenStore>
}

export function tokenStoreContract(name: string, subject: StoreUnderTest): void {
  describe(`${name}: the TokenStore contract`, () => {
    let store: TokenStore
    let events: TokenStoreEvent[]
    let unsubscribe: () => void

    beforeEach(async () => {
      store = await subject.open()
      events = []
      unsubscribe = store.subscribe((event) => {
        if (event.type === 'changed') events.push(event)
      })
    })
    afterEach(async () => {
      unsubscribe()
      await store.close()
    })

    /** Wait until the listeners heard `n` changes (PostgreSQL's arrive over the LISTEN connection). */
    async function heard(n: number): Promise<TokenStoreEvent[]> {
      const deadline = Date.now() + 2000
      while (events.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
      return events
    }

    test('a token comes back, by hash and by id, with every field as written', async () => {
      const token = storedToken({
        description: 'for CI',
        // A table named "__proto__" must stay a key (JSON.parse makes it an own property).
        restrictions: JSON.parse('{"a": ["vi"], "d": {"docs": ["vt"]}, "r": {"docs": {"__proto__": ["ir"]}}}') as Restrictions,
        permissions: ['db:docs:read'],
        expiresAt: T + 3600,
        rateLimit: { points: 10, duration: 60 },
        createdBy: null,
      })
      const result = await store.insert(token, entry(token, 'create', { name: token.name }))
      expect(result).toEqual({ ok: true, token })
      expect(await store.findByHash(token.hash)).toEqual(token)
      expect(await store.get(token.id)).toEqual(token)
      expect(Object.hasOwn((await store.get(token.id))?.restrictions?.r?.['docs'] ?? {}, '__proto__')).toBe(true)
    })

    test('unknown hashes and ids are null', async () => {
      expect(await store.findByHash('f'.repeat(64))).toBeNull()
      expect(await store.get('0000000000000000')).toBeNull()
    })

    test('a live name is unique per owner: the second insert is refused and writes nothing', async () => {
      const first = storedToken({ name: 'ci' })
      await store.insert(first, entry(first, 'create'))
      const second = storedToken({ name: 'ci' })
      expect(await store.insert(second, entry(second, 'create'))).toEqual({ ok: false, problem: 'name_taken' })
      expect(await store.get(second.id)).toBeNull()
      expect(await store.findByHash(second.hash)).toBeNull()
      expect(await store.audit(second.id)).toEqual([])
      // Near misses: another owner may use the name, and so may alice once the first is revoked.
      const bobs = storedToken({ name: 'ci', actorId: 'bob' })
      expect((await store.insert(bobs, entry(bobs, 'create'))).ok).toBe(true)
      await store.revoke(first.id, entry(first, 'revoke', {}, T + 1))
      const again = storedToken({ name: 'ci' })
      expect((await store.insert(again, entry(again, 'create'))).ok).toBe(true)
    })

    test('update changes the given fields only, and appends its audit entry', async () => {
      const token = storedToken({ description: 'old', expiresAt: T + 60 })
      await store.insert(token, entry(token, 'create'))
      const result = await store.update(token.id, { name: 'renamed', description: null, rateLimit: { points: 5, duration: 1 } }, entry(token, 'update', { name: 'renamed' }, T + 5))
      expect(result).toEqual({ ok: true, token: { ...token, name: 'renamed', description: null, rateLimit: { points: 5, duration: 1 } } })
      const log = await store.audit(token.id)
      expect(log.map((e) => [e.action, e.at, e.by, e.changes])).toEqual([
        ['create', T, 'admin', {}],
        ['update', T + 5, 'admin', { name: 'renamed' }],
      ])
      expect(log[1]!.seq).toBeGreaterThan(log[0]!.seq)
    })

    test('update refuses a missing id, a revoked token and a taken name, writing nothing', async () => {
      const a = storedToken({ name: 'a' })
      const b = storedToken({ name: 'b' })
      await store.insert(a, entry(a, 'create'))
      await store.insert(b, entry(b, 'create'))
      expect(await store.update('ffffffffffffffff', { name: 'x' }, entry({ id: 'ffffffffffffffff' }, 'update'))).toEqual({ ok: false, problem: 'not_found' })
      expect(await store.update(b.id, { name: 'a' }, entry(b, 'update'))).toEqual({ ok: false, problem: 'name_taken' })
      expect(await store.get(b.id)).toEqual(b)
      await store.revoke(a.id, entry(a, 'revoke'))
      expect(await store.update(a.id, { description: 'x' }, entry(a, 'update'))).toEqual({ ok: false, problem: 'revoked' })
      expect((await store.get(a.id))?.description).toBeNull()
      expect((await store.audit(b.id)).map((e) => e.action)).toEqual(['create'])
      expect((await store.audit(a.id)).map((e) => e.action)).toEqual(['create', 'revoke'])
      // Near miss: b may now take the name a freed.
      expect((await store.update(b.id, { name: 'a' }, entry(b, 'update'))).ok).toBe(true)
    })

    test('revoke sets revokedAt and revokedBy once; a second revoke changes nothing', async () => {
      const token = storedToken()
      await store.insert(token, entry(token, 'create'))
      const first = await store.revoke(token.id, { ...entry(token, 'revoke', {}, T + 10), by: 'carol' })
      expect(first).toEqual({ ok: true, changed: true, token: { ...token, revokedAt: T + 10, revokedBy: 'carol' } })
      const second = await store.revoke(token.id, { ...entry(token, 'revoke', {}, T + 20), by: 'dave' })
      expect(second).toEqual({ ok: true, changed: false, token: { ...token, revokedAt: T + 10, revokedBy: 'carol' } })
      expect((await store.audit(token.id)).map((e) => e.action)).toEqual(['create', 'revoke'])
      expect(await store.revoke('ffffffffffffffff', entry({ id: 'ffffffffffffffff' }, 'revoke'))).toEqual({ ok: false, problem: 'not_found' })
    })

    test('rotate replaces the hash and start; the old hash finds nothing; a revoked token cannot rotate', async () => {
      const token = storedToken()
      await store.insert(token, entry(token, 'create'))
      const hash = 'b'.repeat(64)
      const result = await store.rotate(token.id, { hash, start: 'tgk_wxyz' }, entry(token, 'rotate', { start: 'tgk_wxyz' }))
      expect(result).toEqual({ ok: true, token: { ...token, hash, start: 'tgk_wxyz' } })
      expect(await store.findByHash(token.hash)).toBeNull()
      expect((await store.findByHash(hash))?.id).toBe(token.id)
      await store.revoke(token.id, entry(token, 'revoke'))
      expect(await store.rotate(token.id, { hash: 'c'.repeat(64), start: 'tgk_cccc' }, entry(token, 'rotate'))).toEqual({ ok: false, problem: 'revoked' })
      expect((await store.findByHash(hash))?.id).toBe(token.id)
      expect(await store.rotate('ffffffffffffffff', { hash: 'd'.repeat(64), start: 'x' }, entry({ id: 'ffffffffffffffff' }, 'rotate'))).toEqual({ ok: false, problem: 'not_found' })
    })

    test('list filters by owner and status, newest first, and pages with after', async () => {
      const rows = [
        storedToken({ createdAt: T + 1, actorId: 'alice' }),
        storedToken({ createdAt: T + 2, actorId: 'bob' }),
        storedToken({ createdAt: T + 3, actorId: 'alice', expiresAt: T + 50 }),
        storedToken({ createdAt: T + 3, actorId: 'alice' }),
        storedToken({ createdAt: T + 4, actorId: 'alice' }),
      ]
      for (const row of rows) await store.insert(row, entry(row, 'create'))
      await store.revoke(rows[4]!.id, entry(rows[4]!, 'revoke', {}, T + 5))
      const ids = (list: StoredToken[]): string[] => list.map((t) => t.id)
      const [r1, r2, r3, r4, r5] = rows as [StoredToken, StoredToken, StoredToken, StoredToken, StoredToken]
      const sameSecond = [r3, r4].sort((a, b) => (a.id < b.id ? 1 : -1)).map((t) => t.id)
      expect(ids(await store.list({ limit: 10, now: T + 10 }))).toEqual([r5.id, ...sameSecond, r2.id, r1.id])
      expect(ids(await store.list({ actorId: 'bob', limit: 10, now: T + 10 }))).toEqual([r2.id])
      expect(ids(await store.list({ status: 'revoked', limit: 10, now: T + 10 }))).toEqual([r5.id])
      expect(ids(await store.list({ status: 'expired', limit: 10, now: T + 50 }))).toEqual([r3.id])
      expect(ids(await store.list({ status: 'expired', limit: 10, now: T + 49 }))).toEqual([])
      expect(ids(await store.list({ status: 'active', actorId: 'alice', limit: 10, now: T + 50 }))).toEqual([r4.id, r1.id])
      const first = await store.list({ limit: 2, now: T })
      expect(ids(first)).toEqual([r5.id, sameSecond[0]])
      const last = first.at(-1)!
      const second = await store.list({ limit: 2, now: T, after: { createdAt: last.createdAt, id: last.id } })
      expect(ids(second)).toEqual([sameSecond[1], r2.id])
    })

    test('touch keeps the latest time, ignores unknown ids, and writes no audit entry', async () => {
      const token = storedToken()
      await store.insert(token, entry(token, 'create'))
      await store.touch(new Map([[token.id, T + 100], ['ffffffffffffffff', T]]))
      expect((await store.get(token.id))?.lastUsedAt).toBe(T + 100)
      await store.touch(new Map([[token.id, T + 50]]))
      expect((await store.get(token.id))?.lastUsedAt).toBe(T + 100)
      await store.touch(new Map())
      expect((await store.audit(token.id)).map((e) => e.action)).toEqual(['create'])
    })

    test('listeners hear of every change, and of no refused one', async () => {
      const token = storedToken({ name: 'n' })
      await store.insert(token, entry(token, 'create'))
      await store.update(token.id, { description: 'd' }, entry(token, 'update'))
      await store.rotate(token.id, { hash: 'e'.repeat(64), start: 'tgk_eeee' }, entry(token, 'rotate'))
      await store.revoke(token.id, entry(token, 'revoke'))
      await store.revoke(token.id, entry(token, 'revoke'))
      await store.update(token.id, { description: 'x' }, entry(token, 'update'))
      await store.touch(new Map([[token.id, T]]))
      const heardEvents = await heard(4)
      await new Promise((r) => setTimeout(r, 50))
      expect(heardEvents).toEqual(Array.from({ length: 4 }, () => ({ type: 'changed', tokenId: token.id })))
    })

    test('an unsubscribed listener hears nothing more', async () => {
      unsubscribe()
      const token = storedToken()
      await store.insert(token, entry(token, 'create'))
      await new Promise((r) => setTimeout(r, 100))
      expect(events).toEqual([])
    })

    /** A usage entry of `tokenId`, numbered `n` in its path. */
    function use(tokenId: string, n: number, overrides: Partial<UsageEntry> = {}): UsageEntry {
      return {
        tokenId,
        at: T + n,
        method: 'GET',
        path: `/docs/documents/${n}`,
        action: 'view-table',
        database: 'docs',
        resource: 'documents',
        outcome: 'allowed',
        status: 200,
        ...overrides,
      }
    }
    const withoutSeq = <E extends { seq: number }>(entries: E[]): Omit<E, 'seq'>[] => entries.map(({ seq: _seq, ...rest }) => rest)

    test('the usage log gives entries back as written, newest first, with increasing seq', async () => {
      const token = storedToken()
      await store.insert(token, entry(token, 'create'))
      const written = [
        use(token.id, 1),
        use(token.id, 2, { method: 'POST', action: 'insert-row', outcome: 'denied', status: 403 }),
        use(token.id, 3, { action: null, database: null, resource: null, outcome: 'authenticated', status: 204 }),
        use(token.id, 4, { action: 'view-instance', database: null, resource: null, outcome: 'limited', status: 429, path: '/ünïcode/✓' }),
      ]
      await store.appendUsage(written.slice(0, 2), 1000)
      await store.appendUsage(written.slice(2), 1000)
      const read = await store.usage(token.id, { limit: 10 })
      expect(withoutSeq(read)).toEqual([...written].reverse())
      const seqs = read.map((e) => e.seq)
      expect([...seqs].sort((a, b) => b - a)).toEqual(seqs)
      expect(new Set(seqs).size).toBe(4)
      // No audit entry and no event for usage: the insert's change is the only one heard.
      expect((await store.audit(token.id)).map((e) => e.action)).toEqual(['create'])
      await heard(1)
      await new Promise((r) => setTimeout(r, 50))
      expect(events).toEqual([{ type: 'changed', tokenId: token.id }])
    })

    test("the usage log keeps each token's newest entries only, and other tokens' apart", async () => {
      const a = storedToken()
      const b = storedToken()
      await store.appendUsage([use(a.id, 1), use(b.id, 1), use(a.id, 2), use(a.id, 3)], 2)
      await store.appendUsage([use(a.id, 4), use(b.id, 2)], 2)
      expect((await store.usage(a.id, { limit: 10 })).map((e) => e.at)).toEqual([T + 4, T + 3])
      expect((await store.usage(b.id, { limit: 10 })).map((e) => e.at)).toEqual([T + 2, T + 1])
      // Near miss: a larger bound keeps what there is.
      await store.appendUsage([use(b.id, 3)], 5)
      expect((await store.usage(b.id, { limit: 10 })).map((e) => e.at)).toEqual([T + 3, T + 2, T + 1])
      await store.appendUsage([], 1)
      expect(await store.usage('ffffffffffffffff', { limit: 10 })).toEqual([])
    })

    test('the usage log pages with limit and before', async () => {
      const token = storedToken()
      await store.appendUsage(Array.from({ length: 5 }, (_, i) => use(token.id, i + 1)), 1000)
      const first = await store.usage(token.id, { limit: 2 })
      expect(first.map((e) => e.at)).toEqual([T + 5, T + 4])
      const second = await store.usage(token.id, { limit: 2, before: first.at(-1)!.seq })
      expect(second.map((e) => e.at)).toEqual([T + 3, T + 2])
      const third = await store.usage(token.id, { limit: 2, before: second.at(-1)!.seq })
      expect(third.map((e) => e.at)).toEqual([T + 1])
    })

    test('close is idempotent', async () => {
      await store.close()
      await store.close()
      store = await subject.open()
    })
  })
}

/** What opening a store rejected with, which must be a StoreUnavailableError (a test fails when it opened). */
export async function openError(open: () => Promise<unknown>): Promise<StoreUnavailableError> {
  const error = await open().then(
    () => {
      throw new Error('expected the store to refuse to open')
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(StoreUnavailableError)
  return error as StoreUnavailableError
}
