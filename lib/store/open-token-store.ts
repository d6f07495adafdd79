/**
 * `openTokenStore(url)`: one call that opens, creates and migrates any of tokengate's token
 * stores from a URL, as the configuration's `"token_store"` key and the CLI's `--store` name
 * them.
 *
 * | URL | store |
 * | --- | --- |
 * | `memory:` | in memory, for tests (lost when the process ends) |
 * | `sqlite:PATH` | a SQLite file, created if missing (`sqlite::memory:` for a private in-memory database) |
 * | `postgres://…`, `postgresql://…` | PostgreSQL; `?schema=NAME` picks the schema (default `public`) |
 *
 * @module
 */
import { isAbsolute, resolve } from 'node:path'
import { checkOptionNames } from '../internal/options.js'
import { createMemoryTokenStore } from './memory.js'
import { openPostgresTokenStore } from './postgres.js'
import { openSqliteTokenStore } from './sqlite.js'
import type { TokenStore } from './token-store.js'

/** Options of {@link openTokenStore}. */
export interface OpenTokenStoreOptions {
  /**
   * The directory a relative `sqlite:` path is relative to.
   * @defaultValue `process.cwd()`
   */
  baseDir?: string
  /** The PostgreSQL schema, taking the place of the URL's `?schema=`. @defaultValue `"public"` */
  schema?: string
}

/** What a store URL names. @internal */
export type StoreLocation =
  | { readonly kind: 'memory' }
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema: string | undefined }

/** What a store URL may look like, for messages. @internal */
export const STORE_URL_FORMS = 'memory:, sqlite:PATH, postgres://… or postgresql://…'

/**
 * Read a store URL: where it points, or why it cannot be read.
 * @internal
 */
export function parseStoreUrl(url: unknown, baseDir: string = process.cwd()): StoreLocation | { readonly problem: string } {
  if (typeof url !== 'string' || url === '') return { problem: `a token store URL is a non-empty string: ${STORE_URL_FORMS}` }
  if (url === 'memory:') return { kind: 'memory' }
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length)
    if (path === '') return { problem: 'sqlite: needs a file path, such as sqlite:tokens.db' }
    if (path === ':memory:') return { kind: 'sqlite', path }
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(baseDir, path) }
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return { problem: 'the postgres:// URL cannot be parsed' }
    }
    const schema = parsed.searchParams.get('schema') ?? undefined
    parsed.searchParams.delete('schema')
    return { kind: 'postgres', connectionString: parsed.toString(), schema }
  }
  // Never quote the URL itself: it may carry a password.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0]
  return { problem: `${scheme === undefined ? 'the URL has no scheme' : `unknown scheme ${JSON.stringify(scheme)}`}; use ${STORE_URL_FORMS}` }
}

/**
 * Open a token store by URL: created if missing, migrated to this version's schema.
 *
 * @param url - `memory:`, `sqlite:PATH` or a `postgres://` URL (see the table above).
 * @param options - `baseDir` for relative SQLite paths, `schema` for PostgreSQL.
 * @returns the open store. The caller owns it: close it with `store.close()`.
 * @throws TypeError for a URL of no known form; StoreUnavailableError
 * (`ERR_STORE_UNAVAILABLE`), as a rejection, when the store cannot be opened: a driver that is
 * not installed, an unreachable server, a file that cannot be written, a schema newer than this
 * version of tokengate. The message never contains a password.
 * @example
 * ```ts
 * const store = await openTokenStore('sqlite:tokens.db')
 * const gate = createGate('metadata.json', { tokenStore: store })
 * // …
 * await store.close()
 * ```
 */
export async function openTokenStore(url: string, options: OpenTokenStoreOptions = {}): Promise<TokenStore> {
  checkOptionNames(options, ['baseDir', 'schema'], 'openTokenStore')
  const location = parseStoreUrl(url, options.baseDir)
  if ('problem' in location) throw new TypeError(`Cannot open a token store: ${location.problem}`)
  switch (location.kind) {
    case 'memory':
      return createMemoryTokenStore()
    case 'sqlite':
      return openSqliteTokenStore(location.path)
    case 'postgres': {
      const schema = options.schema ?? location.schema
      return openPostgresTokenStore({ connectionString: location.connectionString, ...(schema === undefined ? {} : { schema }) })
    }
  }
}
