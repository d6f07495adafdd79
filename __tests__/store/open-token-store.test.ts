/**
 * openTokenStore's URLs, and the messages of what cannot be opened: an unknown scheme (a
 * TypeError that never quotes the URL), a driver that is not installed (naming the package to
 * install), misspelt options.
 */
import { StoreUnavailableError, openPostgresTokenStore, openSqliteTokenStore, openTokenStore } from 'tokengate'
import { loadDriver } from '../../lib/store/load-driver.js'
import { parseStoreUrl } from '../../lib/store/open-token-store.js'

describe('parseStoreUrl', () => {
  test.each([
    ['memory:', { kind: 'memory' }],
    ['sqlite:tokens.db', { kind: 'sqlite', path: '/srv/app/tokens.db' }],
    ['sqlite:../data/tokens.db', { kind: 'sqlite', path: '/srv/data/tokens.db' }],
    ['sqlite:/var/lib/tokens.db', { kind: 'sqlite', path: '/var/lib/tokens.db' }],
    ['sqlite::memory:', { kind: 'sqlite', path: ':memory:' }],
    ['postgres://u:p@db:5432/app', { kind: 'postgres', connectionString: 'postgres://u:p@db:5432/app', schema: undefined }],
    ['postgresql://db/app?schema=auth&sslmode=require', { kind: 'postgres', connectionString: 'postgresql://db/app?sslmode=require', schema: 'auth' }],
  ])('%s', (url, location) => {
    expect(parseStoreUrl(url, '/srv/app')).toEqual(location)
  })

  test.each([
    ['', 'a token store URL is a non-empty string: memory:, sqlite:PATH, postgres://… or postgresql://…'],
    ['sqlite:', 'sqlite: needs a file path, such as sqlite:tokens.db'],
    ['mysql://root:hunter2@db/app', 'unknown scheme "mysql:"; use memory:, sqlite:PATH, postgres://… or postgresql://…'],
    ['tokens.db', 'the URL has no scheme; use memory:, sqlite:PATH, postgres://… or postgresql://…'],
    ['memory', 'the URL has no scheme; use memory:, sqlite:PATH, postgres://… or postgresql://…'],
  ])('%j is refused: %s', (url, problem) => {
    expect(parseStoreUrl(url)).toEqual({ problem })
  })
})

describe('openTokenStore', () => {
  test('an unknown scheme is a TypeError that does not quote the URL', async () => {
    const error = await openTokenStore('redis://:hunter2@cache').then(() => null, (e: unknown) => e)
    expect(error).toEqual(new TypeError('Cannot open a token store: unknown scheme "redis:"; use memory:, sqlite:PATH, postgres://… or postgresql://…'))
  })

  test('memory: opens a memory store', async () => {
    const store = await openTokenStore('memory:')
    expect(store.description).toBe('memory:')
    await store.close()
  })

  test('misspelt options are refused, naming the closest', async () => {
    await expect(openTokenStore('memory:', { schemas: 'x' } as never)).rejects.toThrow(new TypeError('"schemas" is not an option of openTokenStore; did you mean "schema"?'))
    await expect(openSqliteTokenStore(':memory:', { busytimeout: 5 } as never)).rejects.toThrow(/"busytimeout" is not an option of openSqliteTokenStore; did you mean "busyTimeout"\?/)
    await expect(openPostgresTokenStore({ connectionstring: 'postgres://x' } as never)).rejects.toThrow(/"connectionstring" is not an option of openPostgresTokenStore/)
  })
})

describe('a driver that is not installed', () => {
  test('is a StoreUnavailableError naming the package and the command to install it', async () => {
    const missing = Object.assign(new Error("Cannot find package 'better-sqlite3' imported from /app/dist/lib/store/sqlite.js"), { code: 'ERR_MODULE_NOT_FOUND' })
    const error = await loadDriver('better-sqlite3', 'sqlite:', () => Promise.reject(missing)).then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect((error as Error).message).toBe('The sqlite: token store needs the better-sqlite3 package, which is not installed: npm install better-sqlite3@12')
    expect((error as Error).cause).toBe(missing)
  })

  test('the same in CommonJS, for pg', async () => {
    const missing = Object.assign(new Error("Cannot find module 'pg'"), { code: 'MODULE_NOT_FOUND' })
    await expect(loadDriver('pg', 'postgres://', () => Promise.reject(missing))).rejects.toThrow(
      'The postgres:// token store needs the pg package, which is not installed: npm install pg@8',
    )
  })

  test('a driver that fails to load for another reason says so', async () => {
    const broken = new Error('The module was compiled against a different Node.js version')
    await expect(loadDriver('better-sqlite3', 'sqlite:', () => Promise.reject(broken))).rejects.toThrow(
      'The sqlite: token store cannot load the better-sqlite3 package: The module was compiled against a different Node.js version',
    )
  })

  test('a driver that is there loads', async () => {
    await expect(loadDriver('pg', 'postgres://', () => Promise.resolve('the module'))).resolves.toBe('the module')
  })
})
