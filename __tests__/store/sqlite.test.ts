/**
 * The SQLite store: the contract on a temporary file, then what only SQLite has: WAL and the
 * busy timeout, tokens that survive reopening, a version 1 store migrated to version 2, a file
 * that cannot be written and a schema from the future (each a clear error at open), and another
 * process's writes seen on reopening.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createGate, openSqliteTokenStore, openTokenStore } from 'tokengate'
import { SQLITE_MIGRATIONS } from '../../lib/store/migrations/sqlite.js'
import { openError, storedToken, tokenStoreContract } from './contract.js'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-sqlite-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

tokenStoreContract('sqlite', { open: () => openSqliteTokenStore(join(tempDir(), 'tokens.db')) })

describe('the SQLite file', () => {
  test('is created with its directory, in WAL mode with a busy timeout, and migrated once', async () => {
    const file = join(tempDir(), 'nested', 'dir', 'tokens.db')
    const store = await openTokenStore(`sqlite:${file}`)
    await store.close()
    const db = new Database(file)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.prepare('SELECT version, name FROM tokengate_migrations').all()).toEqual([
      { version: 1, name: 'managed tokens and their audit log' },
      { version: 2, name: 'usage log of managed tokens' },
    ])
    db.close()
    // Opening again applies nothing twice.
    await (await openSqliteTokenStore(file)).close()
    const again = new Database(file)
    expect(again.prepare('SELECT count(*) AS n FROM tokengate_migrations').get()).toEqual({ n: 2 })
    again.close()
  })

  test('a store of schema version 1 is migrated to version 2 on open, keeping its tokens, and gets a usage log', async () => {
    const file = join(tempDir(), 'tokens.db')
    const v1 = await openSqliteTokenStore(file, { migrations: SQLITE_MIGRATIONS.filter((m) => m.version === 1) })
    const token = storedToken()
    await v1.insert(token, { tokenId: token.id, action: 'create', at: 1, by: null, changes: {} })
    await v1.close()
    const v2 = await openSqliteTokenStore(file)
    expect(await v2.get(token.id)).toEqual(token)
    await v2.appendUsage([{ tokenId: token.id, at: 5, method: 'GET', path: '/', action: null, database: null, resource: null, outcome: 'authenticated', status: 200 }], 10)
    expect((await v2.usage(token.id, { limit: 10 })).map((e) => e.path)).toEqual(['/'])
    await v2.close()
  })

  test('keeps tokens across reopening, and another connection sees them', async () => {
    const file = join(tempDir(), 'tokens.db')
    const first = await openSqliteTokenStore(file)
    const token = storedToken()
    await first.insert(token, { tokenId: token.id, action: 'create', at: 1, by: null, changes: {} })
    const second = await openSqliteTokenStore(file)
    expect(second.findByHash(token.hash)).toEqual(token)
    await first.close()
    await second.close()
    const reopened = await openSqliteTokenStore(file)
    expect(await reopened.get(token.id)).toEqual(token)
    await reopened.close()
  })

  test('a relative sqlite: path is relative to baseDir', async () => {
    const dir = tempDir()
    const store = await openTokenStore('sqlite:rel/tokens.db', { baseDir: dir })
    expect(store.description).toBe(`sqlite:${join(dir, 'rel', 'tokens.db')}`)
    await store.close()
  })

  test('a file that cannot be created is a clear error at open', async () => {
    // /proc refuses new files even to root.
    const error = await openError(() => openTokenStore('sqlite:/proc/self/tokengate-tokens.db'))
    expect(error.message).toBe(
      'Cannot open the token store sqlite:/proc/self/tokengate-tokens.db: the file cannot be created or opened (unable to open database file): ' +
        'check that the path is right and that this process may write the file and its directory',
    )
    expect(error.cause).toBeDefined()
  })

  const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0
  ;(runningAsRoot ? test.skip : test)('a read-only file is a clear error at open (skipped as root, who may write anything)', async () => {
    const dir = tempDir()
    const file = join(dir, 'tokens.db')
    await (await openSqliteTokenStore(file)).close()
    chmodSync(file, 0o444)
    chmodSync(dir, 0o555)
    try {
      const error = await openError(() => openSqliteTokenStore(file))
      expect(error.message).toMatch(/^Cannot open the token store sqlite:.*(cannot be written|cannot be created or opened)/)
    } finally {
      chmodSync(dir, 0o755)
    }
  })

  test('a file that is not a SQLite database is a clear error at open', async () => {
    const file = join(tempDir(), 'notes.txt')
    writeFileSync(file, 'these are not the tokens you are looking for\n'.repeat(100))
    const error = await openError(() => openSqliteTokenStore(file))
    expect(error.message).toBe(`Cannot open the token store sqlite:${file}: the file is not a SQLite database`)
  })

  test('a schema from the future is refused with a clear error, and left as it was', async () => {
    const file = join(tempDir(), 'tokens.db')
    const future = [...SQLITE_MIGRATIONS, { version: 9, name: 'from the future', sql: 'CREATE TABLE tokengate_future (x INTEGER)' }]
    await (await openSqliteTokenStore(file, { migrations: future })).close()
    const error = await openError(() => openSqliteTokenStore(file))
    expect(error.message).toBe(
      `The token store sqlite:${file} has schema version 9, newer than this version of tokengate knows (${SQLITE_MIGRATIONS.length}): upgrade tokengate, or point it at a store it created`,
    )
    const db = new Database(file)
    expect(db.prepare('SELECT max(version) AS v FROM tokengate_migrations').get()).toEqual({ v: 9 })
    db.close()
  })

  test('the store never holds a token: only hashes and starts', async () => {
    const file = join(tempDir(), 'tokens.db')
    const store = await openSqliteTokenStore(file)
    const gate = createGate({}, { tokenStore: store })
    const made = await gate.tokens!.create({ actorId: 'alice', name: 'scan me' })
    const rotated = await gate.tokens!.rotate(made.record.id)
    await gate.close()
    await store.close()
    const bytes = ['', '-wal', '-shm'].map((suffix) => (existsSync(file + suffix) ? readFileSync(file + suffix).toString('latin1') : '')).join('')
    expect(bytes).not.toContain(made.token)
    expect(bytes).not.toContain(rotated.token)
    expect(bytes).not.toContain(made.token.slice(4, 36))
  })
})
