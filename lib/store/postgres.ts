/**
 * The PostgreSQL token store, through `pg` 8 (an optional peer dependency, imported when a store
 * is opened): for many instances of an application sharing their tokens.
 *
 * - Its own pool (from a connection string) or the application's: the pool gets an `error`
 *   handler (an idle connection that dies must not crash the process), a connect timeout and a
 *   query timeout, so a database that is down answers 503 quickly instead of hanging requests.
 * - Migrations run in one transaction under a transaction-level advisory lock, so ten instances
 *   starting together migrate once and the other nine wait, then find nothing to do.
 * - Every change is written with its audit entry in one transaction, with a `NOTIFY` that
 *   PostgreSQL delivers when it commits.
 * - A dedicated connection LISTENs for those notifications: every instance forgets a changed
 *   token within moments. When that connection drops it reconnects with backoff, and every
 *   (re)connection is announced as a `reset`, so the gate clears its whole cache: notifications
 *   sent while it was away are not replayed.
 * - A schema name (default `public`) keeps its tables apart; tests give each run its own.
 *
 * @module
 */
import type { Pool, PoolClient, PoolConfig } from 'pg'
import { StoreUnavailableError } from '../errors.js'
import { checkOptionNames } from '../internal/options.js'
import { defaultExport, loadDriver } from './load-driver.js'
import { type Migration, pendingMigrations } from './migrations/migration.js'
import { POSTGRES_MIGRATIONS } from './migrations/postgres.js'
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

/**
 * The part of a `pg` Pool the store uses: pass the application's `new pg.Pool(…)` as it is.
 */
export interface PgPoolLike {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>
  connect(): Promise<unknown>
  on(event: 'error', listener: (error: Error) => void): unknown
  listenerCount(event: 'error'): number
  end(): Promise<void>
}

/** Options of {@link openPostgresTokenStore}: a connection string or a pool, and the rest. */
export interface PostgresTokenStoreOptions {
  /** `postgres://user:password@host:5432/database`: the store makes and owns its pool. */
  connectionString?: string
  /**
   * The application's pool (`new pg.Pool(…)`), used instead of a connection string. The store
   * holds one of its connections for LISTEN as long as it is open, and never ends the pool.
   */
  pool?: PgPoolLike
  /**
   * The schema the tables live in; created if missing. Lower-case letters, digits and `_`.
   * @defaultValue `"public"`
   */
  schema?: string
  /** How long to wait for a connection, in milliseconds (own pool only). @defaultValue 5000 */
  connectionTimeoutMillis?: number
  /** How long to wait for a query, in milliseconds (own pool only). @defaultValue 10000 */
  queryTimeoutMillis?: number
  /** How many connections the store's own pool may open. @defaultValue 10 */
  max?: number
  /** The migrations to apply (tests use it to make a store from the future). @internal */
  migrations?: readonly Migration[]
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/
const COLUMNS = TOKEN_COLUMNS.join(', ')

/** The shortest and the longest wait before the LISTEN connection tries again, in milliseconds. */
const BACKOFF = { min: 100, max: 2000 } as const

/** A connection string without its password, for messages. */
export function redactConnectionString(connectionString: string): string {
  try {
    const url = new URL(connectionString)
    url.password = ''
    url.search = ''
    return url.toString().replace(/^(postgres(?:ql)?:\/\/)([^@/]*):@/, '$1$2@')
  } catch {
    return 'postgres://(unparsable connection string)'
  }
}

/** A PostgreSQL error's class, such as `23505` for a unique violation. */
function sqlState(error: unknown): { code: string | undefined; constraint: string | undefined } {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown }
  return { code: typeof code === 'string' ? code : undefined, constraint: typeof constraint === 'string' ? constraint : undefined }
}

function isNameTaken(error: unknown): boolean {
  const { code, constraint } = sqlState(error)
  return code === '23505' && constraint === 'tokengate_tokens_live_name'
}

/** A connection error's code as a sentence, for the open error. */
function connectProblem(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  const detail = typeof message === 'string' && message !== '' ? message : String(code ?? error)
  if (code === 'ECONNREFUSED') return `the server refused the connection (${detail}); is PostgreSQL running there?`
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the host cannot be resolved (${detail})`
  if (code === '3D000') return `the database does not exist (${detail})`
  if (code === '28P01' || code === '28000') return `the server refused the credentials (${detail})`
  if (code === '42501') return `permission denied (${detail}): the user needs to create tables in the schema`
  return detail
}

/**
 * Open and migrate a PostgreSQL token store, and start listening for changes.
 *
 * @param options - a `connectionString` or the application's `pool`, the `schema`, timeouts.
 * @returns the store; close it with `store.close()` (which ends its own pool, not yours).
 * @throws TypeError for options that are missing or wrong; StoreUnavailableError
 * (`ERR_STORE_UNAVAILABLE`), as a rejection, when `pg` is not installed, the server cannot be
 * reached, the user may not create the tables, or the schema is newer than this version of
 * tokengate knows.
 * @example
 * ```ts
 * const store = await openPostgresTokenStore({ connectionString: process.env.DATABASE_URL, schema: 'auth' })
 * // or share the application's pool:
 * const store = await openPostgresTokenStore({ pool: app.locals.pool })
 * ```
 */
export async function openPostgresTokenStore(options: PostgresTokenStoreOptions): Promise<TokenStore> {
  checkOptionNames(options, ['connectionString', 'pool', 'schema', 'connectionTimeoutMillis', 'queryTimeoutMillis', 'max', 'migrations'], 'openPostgresTokenStore')
  const given = options ?? {}
  const { connectionString, pool: appPool } = given
  if ((connectionString === undefined) === (appPool === undefined)) {
    throw new TypeError('openPostgresTokenStore needs either "connectionString" or "pool" (a pg Pool), not both')
  }
  if (connectionString !== undefined && (typeof connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(connectionString))) {
    throw new TypeError('"connectionString" must be a postgres:// or postgresql:// URL')
  }
  const schema = given.schema ?? 'public'
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new TypeError(`"schema" option must be lower-case letters, digits and "_", starting with a letter or "_"; got ${JSON.stringify(schema)}`)
  }
  const description = `${connectionString === undefined ? 'postgres (application pool)' : redactConnectionString(connectionString)} schema ${schema}`

  let pool: Pool
  if (connectionString !== undefined) {
    const pg = defaultExport(await loadDriver('pg', 'postgres://', () => import('pg')))
    const config: PoolConfig = {
      connectionString,
      connectionTimeoutMillis: given.connectionTimeoutMillis ?? 5000,
      query_timeout: given.queryTimeoutMillis ?? 10_000,
      max: given.max ?? 10,
      keepAlive: true,
    }
    pool = new pg.Pool(config)
  } else {
    pool = appPool as unknown as Pool
  }
  // An idle connection that dies emits 'error' on the pool; without a listener that would end the
  // process. The pool drops the connection itself; the next query opens a new one.
  const ignore = (): void => {}
  if (connectionString !== undefined || pool.listenerCount('error') === 0) pool.on('error', ignore)

  try {
    await migrate(pool, schema, given.migrations ?? POSTGRES_MIGRATIONS, description)
    return await postgresStore(pool, schema, description, connectionString !== undefined)
  } catch (error) {
    if (connectionString !== undefined) await pool.end().catch(() => {})
    if (error instanceof StoreUnavailableError) throw error
    throw new StoreUnavailableError(`Cannot open the token store ${description}: ${connectProblem(error)}`, { cause: error })
  }
}

/** Run work on one connection of the pool, in a transaction; roll back when it throws or asks to. */
async function transaction<T>(pool: Pool, work: (client: PoolClient) => Promise<{ commit: boolean; value: T }>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query('BEGIN')
    let outcome: { commit: boolean; value: T }
    try {
      outcome = await work(client)
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: unknown) => {
        broken = rollback instanceof Error ? rollback : new Error(String(rollback))
      })
      throw error
    }
    await client.query(outcome.commit ? 'COMMIT' : 'ROLLBACK')
    return outcome.value
  } catch (error) {
    broken ??= error instanceof Error ? error : new Error(String(error))
    throw error
  } finally {
    // A connection whose transaction state is unknown is destroyed rather than reused.
    client.release(broken)
  }
}

async function migrate(pool: Pool, schema: string, migrations: readonly Migration[], description: string): Promise<void> {
  await transaction(pool, async (client) => {
    // Held until this transaction ends: instances starting together migrate one at a time.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tokengate-migrations:${schema}`])
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA "${schema}"`)
    await client.query(`SET LOCAL search_path TO "${schema}"`)
    await client.query(
      'CREATE TABLE IF NOT EXISTS tokengate_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
    )
    const { rows } = await client.query<{ current: number }>('SELECT coalesce(max(version), 0)::integer AS current FROM tokengate_migrations')
    for (const migration of pendingMigrations(migrations, rows[0]?.current ?? 0, description)) {
      await client.query(migration.sql)
      await client.query('INSERT INTO tokengate_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        Math.floor(Date.now() / 1000),
      ])
    }
    return { commit: true, value: undefined }
  })
}

async function postgresStore(pool: Pool, schema: string, description: string, ownPool: boolean): Promise<TokenStore> {
  const tokens = `"${schema}".tokengate_tokens`
  const auditLog = `"${schema}".tokengate_audit`
  const usageLog = `"${schema}".tokengate_usage`
  const channel = `tokengate:${schema}`
  const listeners = new Set<TokenStoreListener>()
  const findStatement = `SELECT ${COLUMNS} FROM ${tokens} WHERE hash = $1`
  const findName = `tokengate_find_${schema}`
  let closed = false

  // ---- the LISTEN connection -------------------------------------------------------------
  let listener: PoolClient | null = null
  let retry: NodeJS.Timeout | null = null
  let backoff: number = BACKOFF.min

  const onNotification = (message: { channel: string; payload?: string | undefined }): void => {
    if (message.channel === channel && message.payload !== undefined) emit(listeners, { type: 'changed', tokenId: message.payload })
  }
  const lost = (client: PoolClient): void => {
    if (listener !== client) return
    listener = null
    client.removeListener('notification', onNotification)
    client.release(new Error('LISTEN connection lost'))
    // Until the connection is back, changes made elsewhere go unannounced: clear now, and again
    // when it reconnects.
    emit(listeners, { type: 'reset' })
    schedule()
  }
  const schedule = (): void => {
    if (closed || retry !== null) return
    retry = setTimeout(() => {
      retry = null
      listen().catch(() => schedule())
    }, backoff)
    retry.unref()
    backoff = Math.min(backoff * 2, BACKOFF.max)
  }
  const listen = async (): Promise<void> => {
    const client = await pool.connect()
    if (closed) {
      client.release()
      return
    }
    client.on('error', () => lost(client))
    client.on('end', () => lost(client))
    try {
      await client.query(`LISTEN "${channel}"`)
    } catch (error) {
      client.release(error instanceof Error ? error : true)
      throw error
    }
    client.on('notification', onNotification)
    listener = client
    backoff = BACKOFF.min
    emit(listeners, { type: 'reset' })
  }
  await listen()

  // ---- queries ---------------------------------------------------------------------------
  const rowOf = async (client: Pool | PoolClient, id: string, lock = false) => {
    const { rows } = await client.query<TokenRow>(`SELECT ${COLUMNS} FROM ${tokens} WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id])
    return rows[0] === undefined ? null : tokenFromRow(rows[0])
  }
  const append = async (client: PoolClient, entry: AuditEntry): Promise<void> => {
    await client.query(`INSERT INTO ${auditLog} (token_id, action, at, by, changes) VALUES ($1, $2, $3, $4, $5)`, [
      entry.tokenId,
      entry.action,
      entry.at,
      entry.by,
      JSON.stringify(entry.changes),
    ])
    // Delivered to every LISTENing connection, this instance's included, when the transaction commits.
    await client.query('SELECT pg_notify($1, $2)', [channel, entry.tokenId])
  }
  const placeholders = TOKEN_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')

  type Outcome<M extends 'insert' | 'update' | 'revoke' | 'rotate'> = Awaited<ReturnType<TokenStore[M]>>
  return {
    description,
    async findByHash(hash) {
      const { rows } = await pool.query<TokenRow>({ name: findName, text: findStatement, values: [hash] })
      return rows[0] === undefined ? null : tokenFromRow(rows[0])
    },
    async get(id) {
      return rowOf(pool, id)
    },
    async list(query) {
      const where: string[] = []
      const values: unknown[] = []
      const param = (value: unknown): string => {
        values.push(value)
        return `$${values.length}`
      }
      if (query.actorId !== undefined) where.push(`actor_id = ${param(query.actorId)}`)
      if (query.status !== undefined) where.push(statusCondition(query.status, () => param(Math.floor(query.now))))
      if (query.after !== undefined) where.push(`(created_at, id) < (${param(query.after.createdAt)}, ${param(query.after.id)})`)
      const sql =
        `SELECT ${COLUMNS} FROM ${tokens}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}` +
        ` ORDER BY created_at DESC, id DESC LIMIT ${param(query.limit)}`
      const { rows } = await pool.query<TokenRow>(sql, values)
      return rows.map(tokenFromRow)
    },
    async insert(token, audit) {
      return transaction<Outcome<'insert'>>(pool, async (client) => {
        try {
          await client.query(`INSERT INTO ${tokens} (${COLUMNS}) VALUES (${placeholders})`, rowValues(token))
        } catch (error) {
          if (!isNameTaken(error)) throw error
          return { commit: false, value: { ok: false as const, problem: 'name_taken' as const } }
        }
        await append(client, audit)
        return { commit: true, value: { ok: true as const, token: (await rowOf(client, token.id)) ?? token } }
      })
    },
    async update(id, patch, audit) {
      return transaction<Outcome<'update'>>(pool, async (client) => {
        const current = await rowOf(client, id, true)
        if (current === null) return { commit: false, value: { ok: false as const, problem: 'not_found' as const } }
        if (current.revokedAt !== null) return { commit: false, value: { ok: false as const, problem: 'revoked' as const } }
        const columns = patchColumns(patch)
        if (columns.length > 0) {
          try {
            await client.query(
              `UPDATE ${tokens} SET ${columns.map(([c], i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`,
              [id, ...columns.map(([, v]) => v)],
            )
          } catch (error) {
            if (!isNameTaken(error)) throw error
            return { commit: false, value: { ok: false as const, problem: 'name_taken' as const } }
          }
        }
        await append(client, audit)
        return { commit: true, value: { ok: true as const, token: (await rowOf(client, id)) ?? current } }
      })
    },
    async revoke(id, audit) {
      return transaction<Outcome<'revoke'>>(pool, async (client) => {
        const current = await rowOf(client, id, true)
        if (current === null) return { commit: false, value: { ok: false as const, problem: 'not_found' as const } }
        if (current.revokedAt !== null) return { commit: false, value: { ok: true as const, token: current, changed: false } }
        await client.query(`UPDATE ${tokens} SET revoked_at = $2, revoked_by = $3 WHERE id = $1`, [id, audit.at, audit.by])
        await append(client, audit)
        return { commit: true, value: { ok: true as const, token: (await rowOf(client, id)) ?? current, changed: true } }
      })
    },
    async rotate(id, secret, audit) {
      return transaction<Outcome<'rotate'>>(pool, async (client) => {
        const current = await rowOf(client, id, true)
        if (current === null) return { commit: false, value: { ok: false as const, problem: 'not_found' as const } }
        if (current.revokedAt !== null) return { commit: false, value: { ok: false as const, problem: 'revoked' as const } }
        await client.query(`UPDATE ${tokens} SET hash = $2, start = $3 WHERE id = $1`, [id, secret.hash, secret.start])
        await append(client, audit)
        return { commit: true, value: { ok: true as const, token: (await rowOf(client, id)) ?? current } }
      })
    },
    async touch(uses) {
      if (uses.size === 0) return
      await pool.query(
        `UPDATE ${tokens} AS t SET last_used_at = GREATEST(coalesce(t.last_used_at, 0), u.at)` +
          ' FROM unnest($1::text[], $2::bigint[]) AS u(id, at) WHERE t.id = u.id',
        [[...uses.keys()], [...uses.values()]],
      )
    },
    async audit(tokenId) {
      const { rows } = await pool.query<{ [column: string]: unknown }>(
        `SELECT seq, token_id, action, at, by, changes FROM ${auditLog} WHERE token_id = $1 ORDER BY seq`,
        [tokenId],
      )
      return rows.map(auditFromRow)
    },
    async appendUsage(entries, keep) {
      if (entries.length === 0) return
      // One insert of every entry (a column of values each, in the order given, so `seq` follows
      // it), then one delete of each token's entries past its newest `keep`, in one transaction.
      const types = ['text', 'bigint', 'text', 'text', 'text', 'text', 'text', 'text', 'integer']
      const columns = USAGE_COLUMNS.map((_, i) => entries.map((entry) => usageValues(entry)[i]))
      await transaction(pool, async (client) => {
        await client.query(
          `INSERT INTO ${usageLog} (${USAGE_COLUMNS.join(', ')}) ` +
            `SELECT ${USAGE_COLUMNS.join(', ')} FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')}) ` +
            `WITH ORDINALITY AS given (${USAGE_COLUMNS.join(', ')}, n) ORDER BY n`,
          columns,
        )
        await client.query(
          `DELETE FROM ${usageLog} AS u USING (` +
            `SELECT seq, row_number() OVER (PARTITION BY token_id ORDER BY seq DESC) AS n FROM ${usageLog} WHERE token_id = ANY($1::text[])` +
            ') AS old WHERE u.seq = old.seq AND old.n > $2',
          [[...new Set(entries.map((e) => e.tokenId))], keep],
        )
        return { commit: true, value: undefined }
      })
    },
    async usage(tokenId, query) {
      const values: unknown[] = [tokenId, query.limit]
      if (query.before !== undefined) values.push(query.before)
      const { rows } = await pool.query<{ [column: string]: unknown }>(
        `SELECT seq, ${USAGE_COLUMNS.join(', ')} FROM ${usageLog} WHERE token_id = $1` +
          `${query.before === undefined ? '' : ' AND seq < $3'} ORDER BY seq DESC LIMIT $2`,
        values,
      )
      return rows.map(usageFromRow)
    },
    subscribe(listen) {
      listeners.add(listen)
      return () => {
        listeners.delete(listen)
      }
    },
    async close() {
      if (closed) return
      closed = true
      listeners.clear()
      if (retry !== null) clearTimeout(retry)
      const client = listener
      listener = null
      if (client !== null) {
        client.removeListener('notification', onNotification)
        await client.query(`UNLISTEN "${channel}"`).catch(() => {})
        client.release()
      }
      if (ownPool) await pool.end()
    },
  }
}
