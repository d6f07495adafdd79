/**
 * The in-memory time-series store behind the InfluxDB-3-style example: databases of tables
 * (measurements) of rows, written in line protocol and read with a very small SQL subset. It
 * knows nothing of HTTP or permissions; the app checks those first.
 *
 * Line protocol, as InfluxDB writes it:
 * `measurement[,tag=value…] field=value[,field=value…] [timestamp]`, one point a line; `#` starts
 * a comment. Field values are floats (`1.5`), integers (`3i`), unsigned integers (`3u`), booleans
 * (`t`, `true`, `F`, …) or double-quoted strings; the timestamp is in nanoseconds. Commas, spaces
 * and `=` in names are escaped with a backslash. Unlike InfluxDB (which accepts partial writes by
 * default) a batch with any bad line is rejected whole, so a test can rely on nothing being
 * written.
 *
 * SQL: `SELECT * FROM <table> [LIMIT n]` and `SHOW TABLES`, case-insensitive. Anything else is
 * rejected with a message that says so; this is a demo of permissions, not a query engine.
 *
 * @module
 */

/** A stored value: a tag or string field, a number, a boolean; `time` is an RFC 3339 string. */
export type PointValue = string | number | boolean

/** A row: `time`, the tags and the fields of one point. */
export type PointRow = { [column: string]: PointValue }

/** One parsed line. */
export interface Point {
  table: string
  tags: { [key: string]: string }
  fields: { [key: string]: PointValue }
  /** Nanoseconds since the epoch, or `null` for "now". */
  timestamp: bigint | null
}

/** Thrown for a line that is not valid line protocol; says why. */
export class LineProtocolError extends Error {
  /** The 1-based line number. */
  readonly line: number

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`)
    this.line = line
  }
}

/** Split `text` on `separator` where it is neither escaped nor inside double quotes. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string
    if (char === '\\' && i + 1 < text.length) {
      current += char + (text[i + 1] as string)
      i += 1
    } else if (char === '"') {
      quoted = !quoted
      current += char
    } else if (char === separator && !quoted) {
      parts.push(current)
      current = ''
    } else {
      current += char
    }
  }
  parts.push(current)
  return parts
}

function unescapeName(text: string): string {
  return text.replace(/\\([ ,=\\])/g, '$1')
}

const INTEGER = /^-?[0-9]+i$/
const UNSIGNED = /^[0-9]+u$/
const FLOAT = /^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/
/** The inside of a string field: no bare double quote, every backslash escaping something. */
const STRING_BODY = /^(?:[^"\\]|\\.)*$/
const TRUE = new Set(['t', 'T', 'true', 'True', 'TRUE'])
const FALSE = new Set(['f', 'F', 'false', 'False', 'FALSE'])

function parseFieldValue(raw: string, lineNumber: number, key: string): PointValue {
  if (raw.startsWith('"')) {
    const inner = raw.slice(1, -1)
    if (raw.length < 2 || !raw.endsWith('"') || !STRING_BODY.test(inner)) {
      throw new LineProtocolError(lineNumber, `field "${key}": unterminated string`)
    }
    return inner.replace(/\\(.)/g, '$1')
  }
  if (INTEGER.test(raw) || UNSIGNED.test(raw)) {
    const value = Number(raw.slice(0, -1))
    if (!Number.isSafeInteger(value)) throw new LineProtocolError(lineNumber, `field "${key}": integer out of range`)
    return value
  }
  if (TRUE.has(raw)) return true
  if (FALSE.has(raw)) return false
  if (FLOAT.test(raw)) {
    const value = Number(raw)
    if (Number.isFinite(value)) return value
  }
  throw new LineProtocolError(lineNumber, `field "${key}": invalid value (expected a number, 3i, true/false or "a string")`)
}

function parseKeyValue(text: string, lineNumber: number, what: string): [string, string] {
  const parts = splitUnescaped(text, '=')
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new LineProtocolError(lineNumber, `${what} must be written key=value`)
  }
  return [unescapeName(parts[0] as string), parts[1] as string]
}

/** Parse one line of line protocol. */
export function parseLine(line: string, lineNumber: number): Point {
  const sections = splitUnescaped(line, ' ').filter((section) => section !== '')
  if (sections.length < 2 || sections.length > 3) {
    throw new LineProtocolError(lineNumber, 'expected "measurement[,tags] fields [timestamp]"')
  }
  const [series, fieldSet, time] = sections as [string, string, string | undefined]
  const [rawTable, ...rawTags] = splitUnescaped(series, ',')
  const table = unescapeName(rawTable ?? '')
  if (table === '') throw new LineProtocolError(lineNumber, 'missing measurement name')
  const tags: Point['tags'] = {}
  for (const rawTag of rawTags) {
    const [key, value] = parseKeyValue(rawTag, lineNumber, 'a tag')
    tags[key] = unescapeName(value)
  }
  const fields: Point['fields'] = {}
  for (const rawField of splitUnescaped(fieldSet, ',')) {
    const [key, value] = parseKeyValue(rawField, lineNumber, 'a field')
    if (key === 'time' || key in tags) throw new LineProtocolError(lineNumber, `field "${key}" clashes with a tag or the time column`)
    fields[key] = parseFieldValue(value, lineNumber, key)
  }
  if (time !== undefined && !/^-?[0-9]+$/.test(time)) {
    throw new LineProtocolError(lineNumber, 'the timestamp must be an integer number of nanoseconds')
  }
  return { table, tags, fields, timestamp: time === undefined ? null : BigInt(time) }
}

/**
 * Parse a whole line-protocol body. Blank lines and `#` comments are skipped.
 * @throws LineProtocolError for the first bad line; nothing is returned then.
 */
export function parseLineProtocol(body: string): Point[] {
  const points: Point[] = []
  body.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '')
    if (line.trim() === '' || line.trimStart().startsWith('#')) return
    points.push(parseLine(line, index + 1))
  })
  return points
}

/** The version `/ping` reports. */
export const VERSION = '3.0.0-tokengate-demo'

/** What {@link TimeSeriesStore.query} answers. */
export type QueryResult =
  | { ok: true; rows: PointRow[] }
  | { ok: false; status: 400 | 404; error: string }

const SELECT_ALL = /^\s*select\s+\*\s+from\s+("?)([A-Za-z_][A-Za-z0-9_]*)\1(?:\s+limit\s+([0-9]+))?\s*;?\s*$/i
const SHOW_TABLES = /^\s*show\s+tables\s*;?\s*$/i

/** The databases of the InfluxDB-style example. A write to a new database creates it, as in InfluxDB 3. */
export class TimeSeriesStore {
  readonly #databases = new Map<string, Map<string, PointRow[]>>()
  #linesWritten = 0
  #queries = 0

  /** A store seeded with line protocol per database (not counted in the metrics). */
  constructor(seed: { readonly [database: string]: string } = {}) {
    for (const [database, lines] of Object.entries(seed)) this.write(database, parseLineProtocol(lines), 0n)
    this.#linesWritten = 0
  }

  /** What `/health` reports: the store is in memory, so it is healthy while the process runs. */
  health(): 'OK' {
    return 'OK'
  }

  /** What `/ping` reports, as InfluxDB 3 does: the version of the server. */
  ping(): { version: string; revision: string } {
    return { version: VERSION, revision: 'tokengate-demo' }
  }

  /** Whether a database exists. */
  has(database: string): boolean {
    return this.#databases.has(database)
  }

  /** Store parsed points; a point without a timestamp gets `nowNs`. */
  write(database: string, points: readonly Point[], nowNs: bigint = BigInt(Date.now()) * 1_000_000n): void {
    let tables = this.#databases.get(database)
    if (tables === undefined) {
      tables = new Map()
      this.#databases.set(database, tables)
    }
    for (const point of points) {
      let rows = tables.get(point.table)
      if (rows === undefined) {
        rows = []
        tables.set(point.table, rows)
      }
      const ns = point.timestamp ?? nowNs
      rows.push({ time: new Date(Number(ns / 1_000_000n)).toISOString(), ...point.tags, ...point.fields })
    }
    this.#linesWritten += points.length
  }

  /** Run one statement of the supported SQL subset against a database. */
  query(database: string, sql: string): QueryResult {
    const tables = this.#databases.get(database)
    if (tables === undefined) return { ok: false, status: 404, error: `database not found: ${database}` }
    this.#queries += 1
    if (SHOW_TABLES.test(sql)) return { ok: true, rows: [...tables.keys()].sort().map((name) => ({ table_name: name })) }
    const match = SELECT_ALL.exec(sql)
    if (match === null) {
      return { ok: false, status: 400, error: 'this demo understands only SELECT * FROM <table> [LIMIT n] and SHOW TABLES' }
    }
    const table = match[2] as string
    const rows = tables.get(table)
    if (rows === undefined) return { ok: false, status: 404, error: `table not found: ${table}` }
    const limit = match[3] === undefined ? rows.length : Number(match[3])
    return { ok: true, rows: rows.slice(0, limit).map((row) => ({ ...row })) }
  }

  /** The counters `/metrics` shows, in the Prometheus text format. */
  metrics(): string {
    return [
      '# HELP tokengate_demo_lines_written_total Points written through /api/v3/write_lp.',
      '# TYPE tokengate_demo_lines_written_total counter',
      `tokengate_demo_lines_written_total ${this.#linesWritten}`,
      '# HELP tokengate_demo_queries_total Queries run through /api/v3/query_sql.',
      '# TYPE tokengate_demo_queries_total counter',
      `tokengate_demo_queries_total ${this.#queries}`,
      '',
    ].join('\n')
  }
}
