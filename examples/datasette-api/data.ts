/**
 * The in-memory data behind the Datasette-style examples, shared by the Express app
 * (`examples/datasette-api/app.ts`) and the Koa app (`examples/koa-api/app.ts`): two databases of
 * tables, the named queries of `metadata.json`, and the input checks of Datasette's JSON write
 * API (`{"row": …}` / `{"rows": […]}` to insert, `{"update": …}` to update).
 *
 * It knows nothing of HTTP frameworks or permissions: every operation returns an
 * {@link ApiResult}, a status and a JSON body that either app sends as it is. Permissions are
 * checked before any of these methods is called, by the apps' `requirePermission` guards.
 *
 * @module
 */

/** A cell value. */
export type Value = string | number | boolean | null

/** A row: column name to value. Every table has an integer primary key `id`. */
export type Row = { [column: string]: Value }

/** What an operation answers: the HTTP status and the JSON body. */
export interface ApiResult {
  status: number
  body: { readonly [key: string]: unknown }
}

type ColumnType = 'integer' | 'text' | 'boolean'

interface Column {
  readonly type: ColumnType
  /** Must be present and not `null` in an inserted row. */
  readonly required: boolean
}

interface Table {
  readonly columns: ReadonlyMap<string, Column>
  readonly rows: Row[]
  nextId: number
}

/** A named query: what it computes from the data. Its SQL text and permissions are in metadata.json. */
type NamedQuery = (data: DemoData) => Row[]

/** The most rows one insert may carry (Datasette's default `max_insert_rows` is 100). */
export const MAX_INSERT_ROWS = 100

const PRIMARY_KEY = 'id'
const ROW_ID = /^[1-9][0-9]*$/

function column(type: ColumnType, required = false): Column {
  return { type, required }
}

function seed(): Map<string, Map<string, Table>> {
  const table = (columns: Record<string, Column>, rows: Row[]): Table => ({
    columns: new Map([[PRIMARY_KEY, column('integer')], ...Object.entries(columns)]),
    rows,
    nextId: rows.length + 1,
  })
  return new Map([
    [
      'docs',
      new Map([
        [
          'documents',
          table({ title: column('text', true), body: column('text'), published: column('boolean', true) }, [
            { id: 1, title: 'Getting started', body: 'app.use(tokenAuth(metadata)) and you are done.', published: true },
            { id: 2, title: 'Allow blocks', body: 'An allow block lists who may do something.', published: true },
            { id: 3, title: 'Restricted tokens', body: 'A token never exceeds its actor.', published: false },
          ]),
        ],
        [
          'staff_notes',
          table({ author: column('text', true), note: column('text', true) }, [
            { id: 1, author: 'alice', note: 'Rotate the signing secret on Friday.' },
          ]),
        ],
      ]),
    ],
    [
      'shop',
      new Map([
        [
          'products',
          table({ name: column('text', true), price_cents: column('integer', true) }, [
            { id: 1, name: 'Mug', price_cents: 1200 },
            { id: 2, name: 'Sticker', price_cents: 300 },
          ]),
        ],
      ]),
    ],
  ])
}

/** The named queries this example can run, by database and name. metadata.json holds their SQL. */
const NAMED_QUERIES: ReadonlyMap<string, ReadonlyMap<string, NamedQuery>> = new Map([
  [
    'docs',
    new Map<string, NamedQuery>([
      [
        'recent_documents',
        (data) =>
          data
            .rowsOf('docs', 'documents')
            .toSorted((a, b) => Number(b[PRIMARY_KEY]) - Number(a[PRIMARY_KEY]))
            .slice(0, 5)
            .map((row) => ({ id: row[PRIMARY_KEY] ?? null, title: row['title'] ?? null })),
      ],
      [
        'drafts',
        (data) =>
          data
            .rowsOf('docs', 'documents')
            .filter((row) => row['published'] === false)
            .map((row) => ({ id: row[PRIMARY_KEY] ?? null, title: row['title'] ?? null })),
      ],
    ]),
  ],
])

function isObject(value: unknown): value is { readonly [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'an object' : `the ${typeof value} ${JSON.stringify(value)}`
}

/** A 4xx answer in the same JSON shape tokengate uses for its own errors. */
function failure(status: number, errors: readonly string[]): ApiResult {
  return { status, body: { ok: false, error: errors[0] ?? 'Bad request', errors: [...errors], status } }
}

function typeMatches(type: ColumnType, value: Value): boolean {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value)
    case 'text':
      return typeof value === 'string'
    case 'boolean':
      return typeof value === 'boolean'
  }
}

/**
 * Problems with one column value, for messages such as `row 1: column "price_cents" must be an
 * integer, got the string "12"`.
 */
function valueProblem(name: string, spec: Column | undefined, value: unknown): string | null {
  if (spec === undefined) return `unknown column "${name}"`
  if (value === null) return spec.required ? `column "${name}" may not be null` : null
  if (typeof value === 'object' || !typeMatches(spec.type, value as Value)) {
    return `column "${name}" must be ${spec.type === 'integer' ? 'an integer' : `a ${spec.type}`}, got ${describeValue(value)}`
  }
  return null
}

/**
 * The demo's databases. Each app makes its own (so tests get fresh data) unless one is passed
 * in; state lives only in memory.
 */
export class DemoData {
  readonly #databases = seed()

  /** The table, or a 404 answer naming what is missing. */
  #find(database: string, table: string): Table | ApiResult {
    const tables = this.#databases.get(database)
    if (tables === undefined) return failure(404, [`Database not found: ${database}`])
    const found = tables.get(table)
    return found ?? failure(404, [`Table not found: ${table}`])
  }

  /** The rows of a table, for named queries; an unknown table has none. */
  rowsOf(database: string, table: string): readonly Row[] {
    return this.#databases.get(database)?.get(table)?.rows ?? []
  }

  /** The names of the named queries this module implements, by database (for tests). */
  static namedQueries(): { [database: string]: string[] } {
    return Object.fromEntries([...NAMED_QUERIES].map(([db, queries]) => [db, [...queries.keys()]]))
  }

  /** `GET /:db/:table`: every row, in primary key order. */
  viewTable(database: string, table: string): ApiResult {
    const found = this.#find(database, table)
    if (!('columns' in found)) return found
    return {
      status: 200,
      body: { ok: true, database, table, columns: [...found.columns.keys()], rows: found.rows.map((row) => ({ ...row })) },
    }
  }

  /**
   * `POST /:db/:table/-/insert` with `{"row": {…}}` or `{"rows": [{…}, …]}`: all rows or none.
   * Answers 201 with the inserted rows (their ids filled in), 400 listing every problem, or 404.
   */
  insertRows(database: string, table: string, body: unknown): ApiResult {
    const found = this.#find(database, table)
    if (!('columns' in found)) return found
    if (!isObject(body)) return failure(400, ['The request body must be a JSON object such as {"row": {...}}'])
    const keys = Object.keys(body)
    const unknownKey = keys.find((key) => key !== 'row' && key !== 'rows')
    if (unknownKey !== undefined) return failure(400, [`Unknown key "${unknownKey}": send {"row": {...}} or {"rows": [...]}`])
    if (keys.length !== 1) return failure(400, ['Send exactly one of "row" or "rows"'])
    const rows: unknown = 'row' in body ? [body['row']] : body['rows']
    if (!Array.isArray(rows)) return failure(400, ['"rows" must be a list of objects'])
    if (rows.length === 0) return failure(400, ['"rows" is empty: send at least one row'])
    if (rows.length > MAX_INSERT_ROWS) return failure(400, [`Too many rows: at most ${MAX_INSERT_ROWS} per request`])

    const problems: string[] = []
    const usedIds = new Set(found.rows.map((row) => row[PRIMARY_KEY]))
    const accepted: Row[] = []
    rows.forEach((candidate: unknown, index) => {
      const where = rows.length === 1 ? '' : `row ${index + 1}: `
      if (!isObject(candidate)) {
        problems.push(`${where}each row must be a JSON object, got ${describeValue(candidate)}`)
        return
      }
      const rowProblems: string[] = []
      for (const [name, value] of Object.entries(candidate)) {
        const problem = valueProblem(name, found.columns.get(name), value)
        if (problem !== null) rowProblems.push(where + problem)
      }
      for (const [name, spec] of found.columns) {
        if (spec.required && !(name in candidate)) rowProblems.push(`${where}column "${name}" is required`)
      }
      const id = candidate[PRIMARY_KEY]
      if (typeof id === 'number' && id < 1) rowProblems.push(`${where}column "id" must be a positive integer`)
      if (id !== undefined && id !== null && usedIds.has(id as Value)) rowProblems.push(`${where}a row with id ${String(id)} already exists`)
      if (id !== undefined && id !== null) usedIds.add(id as Value)
      problems.push(...rowProblems)
      if (rowProblems.length === 0) accepted.push({ ...(candidate as Row) })
    })
    if (problems.length > 0) return failure(400, problems)

    const stored: Row[] = []
    for (const row of accepted) {
      const given = row[PRIMARY_KEY]
      const id = typeof given === 'number' ? given : this.#nextFreeId(found)
      const complete: Row = {}
      for (const name of found.columns.keys()) complete[name] = name === PRIMARY_KEY ? id : (row[name] ?? null)
      found.rows.push(complete)
      stored.push(complete)
    }
    found.rows.sort((a, b) => Number(a[PRIMARY_KEY]) - Number(b[PRIMARY_KEY]))
    return { status: 201, body: { ok: true, rows: stored.map((row) => ({ ...row })) } }
  }

  #nextFreeId(table: Table): number {
    while (table.rows.some((row) => row[PRIMARY_KEY] === table.nextId)) table.nextId += 1
    return table.nextId
  }

  /** The row with this id (a path segment), or a 404 answer. */
  #findRow(database: string, table: string, id: string): { table: Table; row: Row } | ApiResult {
    const found = this.#find(database, table)
    if (!('columns' in found)) return found
    const row = ROW_ID.test(id) ? found.rows.find((r) => r[PRIMARY_KEY] === Number(id)) : undefined
    if (row === undefined) return failure(404, [`Row not found: ${id}`])
    return { table: found, row }
  }

  /**
   * `POST /:db/:table/:id/-/update` with `{"update": {column: value, …}}`. The primary key cannot
   * change. Answers 200 with the updated row, 400 listing every problem, or 404.
   */
  updateRow(database: string, table: string, id: string, body: unknown): ApiResult {
    const found = this.#findRow(database, table, id)
    if ('status' in found) return found
    if (!isObject(body)) return failure(400, ['The request body must be a JSON object such as {"update": {...}}'])
    const unknownKey = Object.keys(body).find((key) => key !== 'update')
    if (unknownKey !== undefined) return failure(400, [`Unknown key "${unknownKey}": send {"update": {...}}`])
    const changes = body['update']
    if (!isObject(changes)) return failure(400, ['"update" must be an object of column values'])
    if (Object.keys(changes).length === 0) return failure(400, ['"update" is empty: name at least one column'])
    const problems: string[] = []
    for (const [name, value] of Object.entries(changes)) {
      if (name === PRIMARY_KEY) problems.push('column "id" is the primary key and cannot be updated')
      else {
        const problem = valueProblem(name, found.table.columns.get(name), value)
        if (problem !== null) problems.push(problem)
      }
    }
    if (problems.length > 0) return failure(400, problems)
    Object.assign(found.row, changes)
    return { status: 200, body: { ok: true, row: { ...found.row } } }
  }

  /** `POST /:db/:table/:id/-/delete`. Answers 200 or 404. */
  deleteRow(database: string, table: string, id: string): ApiResult {
    const found = this.#findRow(database, table, id)
    if ('status' in found) return found
    found.table.rows.splice(found.table.rows.indexOf(found.row), 1)
    return { status: 200, body: { ok: true } }
  }

  /** `GET /:db/-/query/:query`: run a named query. Answers 200 with its rows, or 404. */
  runQuery(database: string, query: string): ApiResult {
    if (!this.#databases.has(database)) return failure(404, [`Database not found: ${database}`])
    const run = NAMED_QUERIES.get(database)?.get(query)
    if (run === undefined) return failure(404, [`Query not found: ${query}`])
    return { status: 200, body: { ok: true, database, query, rows: run(this) } }
  }
}
