/**
 * The SQLite token store, through better-sqlite3 12 (an optional peer dependency, imported when
 * a store is opened): the embedded default, with nothing to install or run.
 *
 * - The file (and its directory) is created if missing, put in WAL mode (readers never wait for
 *   the writer), with a busy timeout so processes sharing the file wait for each other's writes
 *   instead of failing.
 * - The schema is migrated on open, in one `BEGIN IMMEDIATE` transaction.
 * - Lookups are synchronous prepared statements: a request that presents a managed token never
 *   waits for a promise.
 * - Changes are announced to this process's listeners. Other processes sharing the file are not
 *   told: they see a change within the gate's cache lifetime (5 seconds by default).
 *
 * @module
 */
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { StoreUnavailableError } from '../errors.js'
import { checkOptionNames } from '../internal/options.js'
import { defaultExport, loadDriver } from './load-driver.js'
import { type Migration, pendingMigrations } from './migrations/migration.js'
import { SQLITE_MIGRATIONS } from './migrations/sqlite.js'
import {
  TOKEN_COLUMNS,
  type TokenRow,
  USAGE_COLUMNS,
  auditFromRow,
  patchColumns,
  rowValues,
  statusCondition,
  tokenFromRow,
  usageFromRow,
  usageValues,
} from './rows.js'
import { type AuditEntry, type TokenStore, type TokenStoreListener, emit } from './token-store.js'

/** Options of {@link openSqliteTokenStore}. */
export interface SqliteTokenStoreOptions {
  /**
   * How long a write waits for another process's write to finish, in milliseconds.
   * @defaultValue 5000
   */
  busyTimeout?: number
  /** The migrations to apply (tests use it to make a store from the future). @internal */
  migrations?: readonly Migration[]
}

const COLUMNS = TOKEN_COLUMNS.join(', ')

/** A sentence for a SQLite error at open, by its code. */
function openProblem(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  const detail = typeof message === 'string' ? message : String(error)
  switch (code) {
    case 'SQLITE_CANTOPEN':
      return `the file cannot be created or opened (${detail}): check that the path is right and that this process may write the file and its directory`
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DIRECTORY':
    case 'SQLITE_READONLY_DBMOVED':
      return `the file cannot be written (${detail}): make the file and its directory writable by this process`
    case 'SQLITE_NOTADB':
      return 'the file is not a SQLite database'
    case 'SQLITE_BUSY':
      return 'the database is locked by another process; try again'
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
    case 'ENOTDIR':
    case 'ENOENT':
      return `its directory cannot be created (${detail})`
    default:
      return detail
  }
}

/**
 * Open (creating if needed) and migrate a SQLite token store.
 *
 * @param path - the database file; `:memory:` for a private in-memory database.
 * @param options - `busyTimeout`.
 * @returns the store; close it with `store.close()`.
 * @throws StoreUnavailableError (`ERR_STORE_UNAVAILABLE`), as a rejection, when better-sqlite3 is
 * not installed, the file cannot be created or written, it is not a SQLite database, or its
 * schema is newer than this version of tokengate knows.
 * @example
 * ```ts
 * const store = await openSqliteTokenStore('data/tokens.db')
 * ```
 */
export async function openSqliteTokenStore(path: string, options: SqliteTokenStoreOptions = {}): Promise<TokenStore> {
  if (typeof path !== 'string' || path === '') throw new TypeError('openSqliteTokenStore needs the path of a database file')
  checkOptionNames(options, ['busyTimeout', 'migrations'], 'openSqliteTokenStore')
  const busyTimeout = options.busyTimeout ?? 5000
  if (!Number.isSafeInteger(busyTimeout) || busyTimeout < 0) throw new TypeError('"busyTimeout" option must be a whole number of milliseconds')
  const file = path === ':memory:' ? path : resolve(path)
  const description = `sqlite:${file}`
  const Database = defaultExport(await loadDriver('better-sqlite3', 'sqlite:', () => import('better-sqlite3')))

  let db: BetterSqlite3.Database | undefined
  try {
    if (file !== ':memory:') ensureDirectory(dirname(file))
    db = new Database(file, { timeout: busyTimeout })
    db.pragma(`busy_timeout = ${busyTimeout}`)
    db.pragma('journal_mode = WAL')
    migrate(db, options.migrations ?? SQLITE_MIGRATIONS, description)
  } catch (error) {
    db?.close()
    if (error instanceof StoreUnavailableError) throw error
    throw new StoreUnavailableError(`Cannot open the token store ${description}: ${openProblem(error)}`, { cause: error })
  }
  return sqliteStore(db, description)
}

/**
 * Create a directory and its missing parents, one level at a time. (`mkdirSync` with
 * `recursive` loops forever where mkdir answers ENOENT for a parent that exists, as in /proc.)
 */
function ensureDirectory(dir: string): void {
  const missing: string[] = []
  for (let current = dir; !existsSync(current); current = dirname(current)) {
    missing.push(current)
    if (dirname(current) === current) break
  }
  for (const level of missing.reverse()) mkdirSync(level)
}

/** Apply the pending migrations, all in one immediate transaction. */
function migrate(db: BetterSqlite3.Database, migrations: readonly Migration[], description: string): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS tokengate_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
    const { current } = db.prepare('SELECT coalesce(max(version), 0) AS current FROM tokengate_migrations').get() as { current: number }
    for (const migration of pendingMigrations(migrations, current, description)) {
      db.exec(migration.sql)
      db.prepare('INSERT INTO tokengate_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Math.floor(Date.now() / 1000),
      )
    }
  }).immediate()
}

/** Whether an error is the unique index on a live name. */
function isNameTaken(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('tokengate_tokens.name')
}

function sqliteStore(db: BetterSqlite3.Database, description: string): TokenStore {
  const listeners = new Set<TokenStoreListener>()
  const placeholders = TOKEN_COLUMNS.map(() => '?').join(', ')
  const find = db.prepare(`SELECT ${COLUMNS} FROM tokengate_tokens WHERE hash = ?`)
  const byId = db.prepare(`SELECT ${COLUMNS} FROM tokengate_tokens WHERE id = ?`)
  const insertToken = db.prepare(`INSERT INTO tokengate_tokens (${COLUMNS}) VALUES (${placeholders})`)
  const insertAudit = db.prepare('INSERT INTO tokengate_audit (token_id, action, at, by, changes) VALUES (?, ?, ?, ?, ?)')
  const revokeToken = db.prepare('UPDATE tokengate_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ?')
  const rotateToken = db.prepare('UPDATE tokengate_tokens SET hash = ?, start = ? WHERE id = ?')
  const touchToken = db.prepare('UPDATE tokengate_tokens SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?')
  const readAudit = db.prepare('SELECT seq, token_id, action, at, by, changes FROM tokengate_audit WHERE token_id = ? ORDER BY seq')
  // The usage log's statements are prepared on first use: a store opened with only the first
  // migration (as the tests open one, to check the upgrade) has no usage table.
  const usageColumns = `seq, ${USAGE_COLUMNS.join(', ')}`
  let usageStatements: Record<'insert' | 'prune' | 'read' | 'readBefore', BetterSqlite3.Statement> | null = null
  const usageSql = () =>
    (usageStatements ??= {
      insert: db.prepare(`INSERT INTO tokengate_usage (${USAGE_COLUMNS.join(', ')}) VALUES (${USAGE_COLUMNS.map(() => '?').join(', ')})`),
      // Everything at or below the (keep + 1)-th newest entry of the token goes.
      prune: db.prepare(
        'DELETE FROM tokengate_usage WHERE token_id = ? AND seq <= ' +
          'coalesce((SELECT seq FROM tokengate_usage WHERE token_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?), -1)',
      ),
      read: db.prepare(`SELECT ${usageColumns} FROM tokengate_usage WHERE token_id = ? ORDER BY seq DESC LIMIT ?`),
      readBefore: db.prepare(`SELECT ${usageColumns} FROM tokengate_usage WHERE token_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`),
    })
  let closed = false

  const row = (id: string) => {
    const found = byId.get(id) as TokenRow | undefined
    return found === undefined ? null : tokenFromRow(found)
  }
  const append = (entry: AuditEntry): void => {
    insertAudit.run(entry.tokenId, entry.action, entry.at, entry.by, JSON.stringify(entry.changes))
  }
  const changed = (tokenId: string): void => emit(listeners, { type: 'changed', tokenId })
  /** Run a write in an immediate transaction; announce the change after it commits. */
  const write = <T extends { ok: boolean; changed?: boolean; token?: { id: string } }>(work: () => T): T => {
    const result = db.transaction(work).immediate()
    if (result.ok && result.changed !== false && result.token !== undefined) changed(result.token.id)
    return result
  }

  return {
    description,
    findByHash(hash) {
      const found = find.get(hash) as TokenRow | undefined
      return found === undefined ? null : tokenFromRow(found)
    },
    async get(id) {
      return row(id)
    },
    async list(query) {
      const where: string[] = []
      const values: unknown[] = []
      if (query.actorId !== undefined) {
        where.push('actor_id = ?')
        values.push(query.actorId)
      }
      if (query.status !== undefined) {
        where.push(
          statusCondition(query.status, () => {
            values.push(Math.floor(query.now))
            return '?'
          }),
        )
      }
      if (query.after !== undefined) {
        where.push('(created_at, id) < (?, ?)')
        values.push(query.after.createdAt, query.after.id)
      }
      const sql =
        `SELECT ${COLUMNS} FROM tokengate_tokens${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}` +
        ' ORDER BY created_at DESC, id DESC LIMIT ?'
      return (db.prepare(sql).all(...values, query.limit) as TokenRow[]).map(tokenFromRow)
    },
    async insert(token, audit) {
      return write(() => {
        try {
          insertToken.run(...rowValues(token))
        } catch (error) {
          if (isNameTaken(error)) return { ok: false as const, problem: 'name_taken' as const }
          throw error
        }
        append(audit)
        return { ok: true as const, token: row(token.id) ?? token }
      })
    },
    async update(id, patch, audit) {
      return write(() => {
        const current = row(id)
        if (current === null) return { ok: false as const, problem: 'not_found' as const }
        if (current.revokedAt !== null) return { ok: false as const, problem: 'revoked' as const }
        const columns = patchColumns(patch)
        if (columns.length > 0) {
          try {
            db.prepare(`UPDATE tokengate_tokens SET ${columns.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`).run(
              ...columns.map(([, v]) => v),
              id,
            )
          } catch (error) {
            if (isNameTaken(error)) return { ok: false as const, problem: 'name_taken' as const }
            throw error
          }
        }
        append(audit)
        return { ok: true as const, token: row(id) ?? current }
      })
    },
    async revoke(id, audit) {
      return write(() => {
        const current = row(id)
        if (current === null) return { ok: false as const, problem: 'not_found' as const }
        if (current.revokedAt !== null) return { ok: true as const, token: current, changed: false }
        revokeToken.run(audit.at, audit.by, id)
        append(audit)
        return { ok: true as const, token: row(id) ?? current, changed: true }
      })
    },
    async rotate(id, secret, audit) {
      return write(() => {
        const current = row(id)
        if (current === null) return { ok: false as const, problem: 'not_found' as const }
        if (current.revokedAt !== null) return { ok: false as const, problem: 'revoked' as const }
        rotateToken.run(secret.hash, secret.start, id)
        append(audit)
        return { ok: true as const, token: row(id) ?? current }
      })
    },
    async touch(uses) {
      if (uses.size === 0) return
      db.transaction(() => {
        for (const [id, at] of uses) touchToken.run(at, id)
      }).immediate()
    },
    async audit(tokenId) {
      return (readAudit.all(tokenId) as { [column: string]: unknown }[]).map(auditFromRow)
    },
    async appendUsage(entries, keep) {
      if (entries.length === 0) return
      const { insert, prune } = usageSql()
      db.transaction(() => {
        for (const entry of entries) insert.run(...usageValues(entry))
        for (const tokenId of new Set(entries.map((e) => e.tokenId))) prune.run(tokenId, tokenId, keep)
      }).immediate()
    },
    async usage(tokenId, query) {
      const { read, readBefore } = usageSql()
      const rows = query.before === undefined ? read.all(tokenId, query.limit) : readBefore.all(tokenId, query.before, query.limit)
      return (rows as { [column: string]: unknown }[]).map(usageFromRow)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    async close() {
      if (closed) return
      closed = true
      listeners.clear()
      db.close()
    },
  }
}
