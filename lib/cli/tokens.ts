/**
 * `tokengate tokens create | list | show | revoke | rotate`: managed tokens from the command
 * line, over the store named by `--store URL`, by the `"token_store"` of `--config FILE`, or by
 * the `TOKENGATE_STORE` environment variable, in that order.
 *
 * `create` takes InfluxDB's options (`--name`, `--permission`, `--expiry`, `--description`,
 * `--format`), Datasette's (`-a/--all`, `-d/--database`, `-r/--resource`,
 * `-e/--expires-after`), and the token's own rate limit (`--rate-limit POINTS/WINDOW`). The token is printed once, with a line saying it will not be shown
 * again: only its SHA-256 is stored.
 *
 * Exit statuses as for `create-token`: 0 done; 1 refused or failed (no such token, a name
 * already taken, a revoked token rotated, the store cannot be reached); 2 usage error (bad
 * options or arguments, including a bad name, permission string or action: nothing is written).
 *
 * @module
 */
import { InvalidParameterError, PermissionStringError } from '../errors.js'
import { type Gate, createGate } from '../gate.js'
import { closest } from '../internal/closest.js'
import { parseDuration } from '../internal/duration.js'
import { RestrictionsBuilder } from '../permissions/restrictions.js'
import { openTokenStore } from '../store/open-token-store.js'
import type { TokenStore } from '../store/token-store.js'
import { type TokenManager, type TokenRecord, noTokenWithId } from '../tokens/token-manager.js'
import { recordToJson, rfc3339, rfc3339OrNull } from '../tokens/token-record-json.js'
import type { Restrictions } from '../types.js'
import { type OptionSpec, type ScannedArgs, nthArgument, occurrences, scanArgs, single, unexpectedArgument } from './args.js'
import { type CliIo, ExitCode } from './io.js'
import { prettyJson } from './output.js'
import { withUserPath } from './paths.js'
import { RefusedError } from './refused-error.js'
import { UsageError } from './usage-error.js'

/** The subcommands. */
export const TOKENS_SUBCOMMANDS = ['create', 'list', 'show', 'revoke', 'rotate'] as const
type Subcommand = (typeof TOKENS_SUBCOMMANDS)[number]

const STORE_OPTIONS: readonly OptionSpec[] = [
  { long: 'store', values: ['URL'] },
  { long: 'config', values: ['FILE'] },
  { long: 'format', values: ['FORMAT'] },
]

const OPTIONS: { readonly [name in Subcommand]: readonly OptionSpec[] } = {
  create: [
    ...STORE_OPTIONS,
    { long: 'name', values: ['NAME'] },
    { long: 'description', values: ['TEXT'] },
    { long: 'permission', values: ['PERMISSION'], repeatable: true },
    { long: 'all', short: 'a', values: ['ACTION'], repeatable: true },
    { long: 'database', short: 'd', values: ['DB', 'ACTION'], repeatable: true },
    { long: 'resource', short: 'r', values: ['DB', 'RESOURCE', 'ACTION'], repeatable: true },
    { long: 'expiry', values: ['DURATION'] },
    { long: 'expires-after', short: 'e', values: ['SECONDS'] },
    { long: 'rate-limit', values: ['POINTS/WINDOW'] },
    { long: 'by', values: ['ID'] },
    { long: 'prefix', values: ['PREFIX'] },
  ],
  list: [...STORE_OPTIONS, { long: 'owner', values: ['ID'] }, { long: 'status', values: ['STATUS'] }, { long: 'limit', values: ['N'] }, { long: 'cursor', values: ['CURSOR'] }],
  show: STORE_OPTIONS,
  revoke: [...STORE_OPTIONS, { long: 'by', values: ['ID'] }],
  rotate: [...STORE_OPTIONS, { long: 'by', values: ['ID'] }, { long: 'prefix', values: ['PREFIX'] }],
}

/** Who the audit log records when `--by` is not given. */
const DEFAULT_BY = 'cli'

type Format = 'text' | 'json'

function formatOf(scanned: ScannedArgs): Format {
  const value = single(scanned, 'format')
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text'
  throw new UsageError(`--format must be text or json, got ${JSON.stringify(value)}`)
}

/** The one positional a subcommand takes (ACTOR_ID or ID). */
function onePositional(scanned: ScannedArgs, subcommand: Subcommand, name: string): string {
  const [value, extra] = scanned.positionals
  if (value === undefined || value === '') throw new UsageError(`missing ${name}: tokens ${subcommand} takes one ${name}`)
  // Named by its position, never quoted: it may be a token typed in the wrong place.
  if (extra !== undefined) throw unexpectedArgument(scanned, 1, `tokens ${subcommand} takes one ${name}`)
  return value
}

function noPositionals(scanned: ScannedArgs, subcommand: Subcommand): void {
  const [extra] = scanned.positionals
  if (extra !== undefined) throw unexpectedArgument(scanned, 0, `tokens ${subcommand} takes no arguments`)
}

/** The gate to work through, and what to close afterwards. */
async function openGate(scanned: ScannedArgs, io: CliIo): Promise<{ tokens: TokenManager; close: () => Promise<void> }> {
  const url = single(scanned, 'store') ?? (scanned.options.has('config') ? undefined : io.env['TOKENGATE_STORE'])
  const configFile = single(scanned, 'config')
  const prefix = single(scanned, 'prefix')
  const now = (): number => io.now() / 1000
  let store: TokenStore | undefined
  if (url !== undefined) {
    if (url === '') throw new UsageError('--store (or TOKENGATE_STORE) must not be empty')
    try {
      store = await openTokenStore(url, io.cwd === undefined ? {} : { baseDir: io.cwd })
    } catch (error) {
      if (error instanceof TypeError) throw new UsageError(error.message, { cause: error })
      throw error
    }
  } else if (configFile === undefined) {
    throw new UsageError('no token store: pass --store URL or --config FILE (with "token_store"), or set TOKENGATE_STORE')
  }
  let gate: Gate
  try {
    const options = { env: io.env, now, ...(store === undefined ? {} : { tokenStore: store }), ...(prefix === undefined ? {} : { tokenPrefix: prefix }) }
    gate = configFile === undefined ? createGate({}, options) : withUserPath(io, configFile, (path) => createGate(path, options))
  } catch (error) {
    await store?.close()
    if (error instanceof TypeError) throw new UsageError(error.message, { cause: error })
    throw error
  }
  if (gate.tokens === null) {
    throw new UsageError(`${configFile ?? 'the configuration'} has no "token_store": pass --store URL or set TOKENGATE_STORE`)
  }
  try {
    await gate.ready()
  } catch (error) {
    await gate.close().catch(() => {})
    throw error
  }
  return {
    tokens: gate.tokens,
    close: async () => {
      await gate.close()
      await store?.close()
    },
  }
}

/** The lifetime from `--expiry` or `--expires-after`, in seconds, or `undefined`. */
function lifetimeOf(scanned: ScannedArgs): number | undefined {
  const expiry = single(scanned, 'expiry')
  const after = single(scanned, 'expires-after')
  if (expiry !== undefined && after !== undefined) throw new UsageError('--expires-after and --expiry both set a lifetime: give one of them')
  if (after !== undefined) {
    if (!/^\d+$/.test(after) || !Number.isSafeInteger(Number(after))) {
      throw new UsageError(`--expires-after must be a whole number of seconds, got ${JSON.stringify(after)}`)
    }
    return Number(after) === 0 ? undefined : Number(after)
  }
  if (expiry === undefined) return undefined
  const parsed = parseDuration(expiry)
  if (!parsed.ok) throw new UsageError(`--expiry ${JSON.stringify(expiry)}: ${parsed.problem}`)
  if (parsed.seconds === 0) throw new UsageError(`--expiry must be longer than zero, got ${JSON.stringify(expiry)}`)
  return parsed.seconds
}

/** The largest points or window a rate limit takes (as the gate's `rateLimit` option). */
const MAX_LIMIT_VALUE = 2 ** 31 - 1

/**
 * `--rate-limit POINTS/WINDOW` as a rate limit, or `undefined` when not given: POINTS a whole
 * number of requests, WINDOW whole seconds (`60`) or a duration (`1m`, `1h`, `1d`), such as
 * `100/1m` or `5/60`.
 */
function rateLimitOf(scanned: ScannedArgs): { points: number; duration: number } | undefined {
  const text = single(scanned, 'rate-limit')
  if (text === undefined) return undefined
  const example = 'such as 100/1m (100 requests a minute) or 5/60 (5 requests per 60 seconds)'
  const match = /^(\d+)\/(.+)$/.exec(text)
  if (match === null) throw new UsageError(`--rate-limit must be POINTS/WINDOW, ${example}; got ${JSON.stringify(text)}`)
  const points = Number(match[1])
  if (!Number.isSafeInteger(points) || points < 1 || points > MAX_LIMIT_VALUE) {
    throw new UsageError(`--rate-limit: the number of requests must be a whole number from 1 to ${MAX_LIMIT_VALUE}, got ${JSON.stringify(match[1])}`)
  }
  const window = match[2] as string
  let duration: number
  if (/^\d+$/.test(window)) duration = Number(window)
  else {
    const parsed = parseDuration(window)
    if (!parsed.ok) throw new UsageError(`--rate-limit: the window ${JSON.stringify(window)}: ${parsed.problem}`)
    duration = parsed.seconds
  }
  if (!Number.isSafeInteger(duration) || duration < 1 || duration > MAX_LIMIT_VALUE) {
    throw new UsageError(`--rate-limit: the window must be from 1 second to ${MAX_LIMIT_VALUE} seconds, got ${JSON.stringify(window)}`)
  }
  return { points, duration }
}

/** Datasette's -a/-d/-r options as restrictions, or `undefined` when none was given. */
function restrictionsOf(scanned: ScannedArgs): Restrictions | undefined {
  const builder = new RestrictionsBuilder()
  let any = false
  for (const [action = ''] of occurrences(scanned, 'all')) {
    builder.allowAll(action)
    any = true
  }
  for (const [database = '', action = ''] of occurrences(scanned, 'database')) {
    builder.allowDatabase(database, action)
    any = true
  }
  for (const [database = '', resource = '', action = ''] of occurrences(scanned, 'resource')) {
    builder.allowResource(database, resource, action)
    any = true
  }
  return any ? builder.build() : undefined
}

/** Bad input the token manager refused: the command line is wrong, nothing was written (exit 2). */
function asUsage(error: unknown): unknown {
  if (error instanceof InvalidParameterError || error instanceof PermissionStringError) {
    const option: { [field: string]: string } = { name: '--name', description: '--description', restrictions: '-a/-d/-r', permissions: '--permission', expiresAfter: '--expiry', rateLimit: '--rate-limit', actorId: 'ACTOR_ID', by: '--by', status: '--status', limit: '--limit', cursor: '--cursor', id: 'ID' }
    const where = error instanceof PermissionStringError ? '--permission' : (option[error.parameter] ?? error.parameter)
    return new UsageError(`${where}: ${error.message}`, { cause: error })
  }
  return error
}

const TIME = (seconds: number | null, none: string): string => (seconds === null ? none : rfc3339(seconds).replace(/:\d\dZ$/, 'Z'))

/** A record as `key  value` lines. */
function recordText(record: TokenRecord): string {
  const rows: [string, string][] = [
    ['ID', record.id],
    ['Name', record.name],
    ['Description', record.description ?? '-'],
    ['Owner', record.actorId],
    ['Start', `${record.start}…`],
    ['Status', record.status],
    ['Restrictions', record.restrictions === null ? `none (everything ${record.actorId} may do)` : JSON.stringify(record.restrictions)],
    ['Permissions', record.permissions === null ? '-' : record.permissions.join(' ')],
    ['Created', `${rfc3339(record.createdAt)}${record.createdBy === null ? '' : ` by ${record.createdBy}`}`],
    ['Expires', rfc3339OrNull(record.expiresAt) ?? 'never'],
    ['Last used', rfc3339OrNull(record.lastUsedAt) ?? 'never'],
  ]
  if (record.revokedAt !== null) rows.push(['Revoked', `${rfc3339(record.revokedAt)}${record.revokedBy === null ? '' : ` by ${record.revokedBy}`}`])
  if (record.rateLimit !== null) rows.push(['Rate limit', `${record.rateLimit.points} requests per ${record.rateLimit.duration} s`])
  const width = Math.max(...rows.map(([key]) => key.length))
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n') + '\n'
}

/** A token shown once, with the warning that it will not be shown again. */
function issued(io: CliIo, format: Format, token: string, record: TokenRecord): void {
  if (format === 'json') {
    io.stdout(`${prettyJson({ token, ...recordToJson(record) })}\n`)
    return
  }
  io.stdout(`${token}\n\nThis token will not be shown again: copy it now. Only its SHA-256 hash is stored.\n\n${recordText(record)}`)
}

function table(records: readonly TokenRecord[]): string {
  const header = ['ID', 'NAME', 'OWNER', 'START', 'CREATED', 'LAST USED', 'EXPIRES', 'STATUS']
  const rows = records.map((r) => [r.id, r.name, r.actorId, `${r.start}…`, TIME(r.createdAt, '-'), TIME(r.lastUsedAt, 'never'), TIME(r.expiresAt, 'never'), r.status])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => [...(row[i] ?? '')].length)))
  const line = (cells: readonly string[]): string => cells.map((c, i) => c + ' '.repeat((widths[i] ?? 0) - [...c].length)).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n') + '\n'
}

async function run(subcommand: Subcommand, scanned: ScannedArgs, io: CliIo): Promise<ExitCode> {
  const format = formatOf(scanned)
  // Every check of the command line comes before the store is opened.
  let work: (tokens: TokenManager) => Promise<void>
  switch (subcommand) {
    case 'create': {
      const actorId = onePositional(scanned, subcommand, 'ACTOR_ID')
      const name = single(scanned, 'name')
      if (name === undefined) throw new UsageError('--name NAME is required: every managed token has a name, unique among its owner\'s tokens')
      const lifetime = lifetimeOf(scanned)
      const restrictions = restrictionsOf(scanned)
      const permissions = occurrences(scanned, 'permission').map(([p = '']) => p)
      const description = single(scanned, 'description')
      const rateLimit = rateLimitOf(scanned)
      const by = single(scanned, 'by') ?? DEFAULT_BY
      work = async (tokens) => {
        const { token, record } = await tokens.create({
          actorId,
          name,
          createdBy: by,
          ...(rateLimit === undefined ? {} : { rateLimit }),
          ...(description === undefined ? {} : { description }),
          ...(lifetime === undefined ? {} : { expiresAfter: lifetime }),
          ...(restrictions === undefined ? {} : { restrictions }),
          ...(permissions.length === 0 ? {} : { permissions }),
        })
        issued(io, format, token, record)
      }
      break
    }
    case 'list': {
      noPositionals(scanned, subcommand)
      const limit = single(scanned, 'limit')
      if (limit !== undefined && !/^\d+$/.test(limit)) throw new UsageError(`--limit must be a whole number from 1 to 1000, got ${JSON.stringify(limit)}`)
      const query = {
        ...(single(scanned, 'owner') === undefined ? {} : { actorId: single(scanned, 'owner') }),
        ...(single(scanned, 'status') === undefined ? {} : { status: single(scanned, 'status') as TokenRecord['status'] }),
        ...(limit === undefined ? {} : { limit: Number(limit) }),
        ...(single(scanned, 'cursor') === undefined ? {} : { cursor: single(scanned, 'cursor') }),
      }
      work = async (tokens) => {
        const page = await tokens.list(query)
        if (format === 'json') {
          io.stdout(`${prettyJson({ tokens: page.tokens.map(recordToJson), next: page.next })}\n`)
          return
        }
        io.stdout(page.tokens.length === 0 ? 'No tokens.\n' : table(page.tokens))
        if (page.next !== null) io.stdout(`More tokens: add --cursor ${page.next}\n`)
      }
      break
    }
    case 'show': {
      const id = onePositional(scanned, subcommand, 'ID')
      work = async (tokens) => {
        const record = await tokens.get(id)
        if (record === null) throw new InvalidParameterError('id', noTokenWithId(id))
        io.stdout(format === 'json' ? `${prettyJson(recordToJson(record))}\n` : recordText(record))
      }
      break
    }
    case 'revoke': {
      const id = onePositional(scanned, subcommand, 'ID')
      const by = single(scanned, 'by') ?? DEFAULT_BY
      work = async (tokens) => {
        const record = await tokens.revoke(id, { by })
        io.stdout(format === 'json' ? `${prettyJson(recordToJson(record))}\n` : `Revoked token ${record.id} (${record.name}, ${record.actorId}).\n`)
      }
      break
    }
    case 'rotate': {
      const id = onePositional(scanned, subcommand, 'ID')
      const by = single(scanned, 'by') ?? DEFAULT_BY
      work = async (tokens) => {
        const { token, record } = await tokens.rotate(id, { by })
        issued(io, format, token, record)
      }
      break
    }
  }
  const { tokens, close } = await openGate(scanned, io)
  try {
    await work(tokens)
  } catch (error) {
    // `show` of a missing id is "refused" (1), like revoke's 404, not a usage error.
    if (error instanceof InvalidParameterError && error.parameter === 'id' && subcommand === 'show') throw new RefusedError(error.message)
    throw asUsage(error)
  } finally {
    await close()
  }
  return ExitCode.ok
}

/**
 * Run `tokengate tokens SUBCOMMAND …`.
 *
 * @param argv - the arguments after `tokens`, such as `['create', 'alice', '--name', 'ci', '--store', 'sqlite:tokens.db']`.
 * @param io - output, environment (`TOKENGATE_STORE`), clock and working directory.
 * @returns the exit status.
 * @throws UsageError (exit 2) for a bad command line or bad input, before anything is written;
 * NotFoundError, ConflictError, StoreUnavailableError (exit 1).
 * @example
 * ```ts
 * await tokensCommand(['list', '--store', 'sqlite:tokens.db', '--format', 'json'], io)
 * ```
 */
export async function tokensCommand(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [subcommand, ...rest] = argv
  if (subcommand === undefined) throw new UsageError(`missing SUBCOMMAND: one of ${TOKENS_SUBCOMMANDS.join(', ')}`)
  if (!(TOKENS_SUBCOMMANDS as readonly string[]).includes(subcommand)) {
    // Named by its position, never quoted: it may be a token typed in the wrong place.
    const guess = closest(subcommand, TOKENS_SUBCOMMANDS)
    const list = TOKENS_SUBCOMMANDS.join(', ')
    throw new UsageError(`${nthArgument(2)} is not a subcommand${guess === undefined ? `: use one of ${list}` : `; did you mean ${guess}? Use one of ${list}`}`)
  }
  const name = subcommand as Subcommand
  // `tokens` and the subcommand come first: positions in messages count from the program name.
  return run(name, scanArgs(rest, OPTIONS[name], 2), io)
}
