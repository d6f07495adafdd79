/**
 * `tokengate create-token`: Datasette's `datasette create-token` and InfluxDB 3's
 * `influxdb3 create token --permission` in one command.
 *
 * - Datasette's options (`--secret`, `-e/--expires-after`, `-a/--all`, `-d/--database`,
 *   `-r/--resource`, `--debug`) make a signed `dstok_` token byte-compatible with Datasette's.
 * - InfluxDB's options (`--permission`, `--name`, `--expiry`, `--format`) restrict and describe
 *   the same token; `--type jwt` makes an HS256 JWT instead.
 * - `--offline --output-file FILE` makes an opaque `apiv3_` token and appends it to an InfluxDB
 *   permission tokens file instead of printing a signed token.
 *
 * Every check runs before anything is written or printed: a usage error leaves no output and no
 * file behind. Warnings (unknown actions, grants that can never apply) are printed only once the
 * command line is known to be good.
 *
 * @module
 */
import { ConfigError, PermissionStringError } from '../errors.js'
import { parseDuration } from '../internal/duration.js'
import type { TokengateConfig } from '../config/config-types.js'
import { ActionRegistry, actionsFromConfig } from '../permissions/actions.js'
import { parsePermissions } from '../permissions/permission-strings.js'
import { RestrictionsBuilder, compactRestrictions } from '../permissions/restrictions.js'
import { createJwt } from '../tokens/jwt.js'
import { createSignedToken, decodeSignedToken } from '../tokens/signed.js'
import {
  type TokensFile,
  type TokensFileEntry,
  createOfflineToken,
  updateTokensFile,
} from '../tokens/tokens-file.js'
import type { Restrictions } from '../types.js'
import { type OptionSpec, type ScannedArgs, flag, occurrences, scanArgs, single, unexpectedArgument } from './args.js'
import { type CliIo, ExitCode } from './io.js'
import { MAX_DATE_MILLIS, isoFromMillis, prettyJson } from './output.js'
import { withUserPath } from './paths.js'
import { RefusedError } from './refused-error.js'
import { type FoundSecret, findSecret } from './secret.js'
import { loadTaskConfig } from './task-config.js'
import { UsageError } from './usage-error.js'

/**
 * The built-in actions: what known action names are abbreviated against, unless `--config`
 * names a configuration, whose `actions` join them (as they do on the server).
 */
const BUILT_IN = new ActionRegistry()

/** The options of `create-token`. */
const OPTIONS: readonly OptionSpec[] = [
  { long: 'secret', values: ['SECRET'] },
  { long: 'config', values: ['FILE'] },
  { long: 'expires-after', short: 'e', values: ['SECONDS'] },
  { long: 'all', short: 'a', values: ['ACTION'], repeatable: true },
  { long: 'database', short: 'd', values: ['DB', 'ACTION'], repeatable: true },
  { long: 'resource', short: 'r', values: ['DB', 'RESOURCE', 'ACTION'], repeatable: true },
  { long: 'debug', values: [] },
  { long: 'permission', values: ['PERMISSION'], repeatable: true },
  { long: 'name', values: ['NAME'] },
  { long: 'expiry', values: ['DURATION'] },
  { long: 'format', values: ['FORMAT'] },
  { long: 'type', values: ['TYPE'] },
  { long: 'offline', values: [] },
  { long: 'output-file', values: ['FILE'] },
  { long: 'create-databases', values: ['DATABASES'] },
]

type Format = 'text' | 'json'
type TokenType = 'dstok' | 'jwt'

function parseFormat(value: string | undefined): Format {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text'
  throw new UsageError(`--format must be text or json, got ${JSON.stringify(value)}`)
}

function parseType(value: string | undefined): TokenType {
  if (value === undefined || value === 'dstok' || value === 'jwt') return value ?? 'dstok'
  throw new UsageError(`--type must be dstok or jwt, got ${JSON.stringify(value)}`)
}

/** The token's lifetime in whole seconds from `--expires-after` or `--expiry`; `undefined` for none. */
function parseLifetime(scanned: ScannedArgs): number | undefined {
  const after = single(scanned, 'expires-after')
  const expiry = single(scanned, 'expiry')
  if (after !== undefined && expiry !== undefined) {
    throw new UsageError('--expires-after and --expiry both set a lifetime: give one of them')
  }
  if (after !== undefined) {
    if (!/^\d+$/.test(after)) {
      throw new UsageError(`--expires-after must be a whole number of seconds, got ${JSON.stringify(after)}`)
    }
    const seconds = Number(after)
    if (!Number.isSafeInteger(seconds)) throw new UsageError(`--expires-after ${after} is too large`)
    // As in Datasette, 0 means "no expiry".
    return seconds === 0 ? undefined : seconds
  }
  if (expiry !== undefined) {
    const parsed = parseDuration(expiry)
    if (!parsed.ok) throw new UsageError(`--expiry ${JSON.stringify(expiry)}: ${parsed.problem}`)
    if (parsed.seconds === 0) throw new UsageError(`--expiry must be longer than zero, got ${JSON.stringify(expiry)}`)
    return parsed.seconds
  }
  return undefined
}

/** A value of a Datasette restriction option, which must not be empty. */
function nonEmpty(option: string, what: string, value: string): string {
  if (value === '') throw new UsageError(`--${option} needs a non-empty ${what}`)
  return value
}

/** Datasette's restriction options, as written (names not yet abbreviated), with their warnings. */
function datasetteRestrictions(scanned: ScannedArgs, registry: ActionRegistry): { restrictions: Restrictions | undefined; warnings: string[] } {
  const builder = new RestrictionsBuilder()
  const named: string[] = []
  const warnings: string[] = []
  let any = false
  for (const [action = ''] of occurrences(scanned, 'all')) {
    builder.allowAll(nonEmpty('all', 'ACTION', action))
    named.push(action)
    any = true
  }
  for (const [database = '', action = ''] of occurrences(scanned, 'database')) {
    builder.allowDatabase(nonEmpty('database', 'DB', database), nonEmpty('database', 'ACTION', action))
    named.push(action)
    any = true
    if (registry.get(action)?.scope === 'instance') {
      warnings.push(`${registry.resolve(action).name} is an instance action; a --database grant never allows it at instance level`)
    }
  }
  for (const [database = '', resource = '', action = ''] of occurrences(scanned, 'resource')) {
    builder.allowResource(
      nonEmpty('resource', 'DB', database),
      nonEmpty('resource', 'RESOURCE', resource),
      nonEmpty('resource', 'ACTION', action),
    )
    named.push(action)
    any = true
    const scope = registry.get(action)?.scope
    if (scope === 'instance' || scope === 'database') {
      const where = scope === 'instance' ? 'instance level' : 'database level'
      warnings.push(`${registry.resolve(action).name} is ${scope === 'instance' ? 'an instance' : 'a database'} action; a --resource grant never allows it at ${where}`)
    }
  }
  const unknown = [...new Set(named.filter((action) => registry.get(action) === undefined))]
  warnings.unshift(...unknown.map((action) => `unknown action ${JSON.stringify(action)}: kept as given`))
  return { restrictions: any ? builder.build() : undefined, warnings }
}

/** The `--permission` strings, each checked on its own so the message names the bad one. */
function permissionStrings(scanned: ScannedArgs, registry: ActionRegistry): string[] {
  const strings = occurrences(scanned, 'permission').map(([value = '']) => value)
  for (const permission of strings) {
    try {
      parsePermissions(permission, registry)
    } catch (error) {
      if (!(error instanceof PermissionStringError)) throw error
      // A format problem quotes the whole string already; the others name only the bad part.
      const message = error.field === 'format'
        ? `--permission: ${error.message}`
        : `--permission ${JSON.stringify(permission)}: ${error.message}`
      throw new UsageError(message, { cause: error })
    }
  }
  return strings
}

type Grants = Map<string, string[]>

function toGrants(record: { readonly [key: string]: readonly string[] } | undefined): Grants {
  return new Map(Object.entries(record ?? {}).map(([key, list]) => [key, [...list]]))
}

function addMissing(target: string[], items: readonly string[]): void {
  for (const item of items) if (!target.includes(item)) target.push(item)
}

/**
 * The union of Datasette's restrictions (abbreviated, kept in the order and number given, as
 * Datasette writes them) and the permission strings' (added where not already present).
 */
function unionRestrictions(given: Restrictions | undefined, fromPermissions: Restrictions | undefined, registry: ActionRegistry): Restrictions | undefined {
  const base = compactRestrictions(given, registry)
  if (fromPermissions === undefined) return base
  if (base === undefined) return fromPermissions
  const all = [...(base.a ?? [])]
  addMissing(all, fromPermissions.a ?? [])
  const databases = toGrants(base.d)
  for (const [database, list] of Object.entries(fromPermissions.d ?? {})) {
    const target = databases.get(database) ?? []
    addMissing(target, list)
    databases.set(database, target)
  }
  const children = new Map(Object.entries(base.r ?? {}).map(([database, tables]) => [database, toGrants(tables)]))
  for (const [database, tables] of Object.entries(fromPermissions.r ?? {})) {
    const grants = children.get(database) ?? new Map<string, string[]>()
    for (const [table, list] of Object.entries(tables)) {
      const target = grants.get(table) ?? []
      addMissing(target, list)
      grants.set(table, target)
    }
    children.set(database, grants)
  }
  // Object.fromEntries defines own keys, so a database named "__proto__" stays a key.
  const out: Restrictions = {}
  if (all.length > 0) out.a = all
  if (databases.size > 0) out.d = Object.fromEntries(databases)
  if (children.size > 0) out.r = Object.fromEntries([...children].map(([database, grants]) => [database, Object.fromEntries(grants)]))
  return out
}

/** `--create-databases a,b`: a comma list of non-empty names. */
function parseDatabaseList(value: string): string[] {
  const names = value.split(',')
  if (names.some((name) => name === '')) {
    throw new UsageError(`--create-databases must be a comma-separated list of database names, got ${JSON.stringify(value)}`)
  }
  return names
}

/** A failed write as a one-line sentence (the temporary file's name is not interesting). */
function writeProblem(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'its directory does not exist'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'it is a directory'
  if (code === 'ENOSPC') return 'the disk is full; the file was left as it was'
  if (code === 'EFBIG') return 'the file size limit was reached; the file was left as it was'
  if (code === 'EDQUOT') return 'the disk quota is exceeded; the file was left as it was'
  if (code === 'ERR_TOKENS_FILE_SYMLINK') return 'it is a symbolic link, which tokengate does not replace; give the path of the file it points to'
  if (code === 'ERR_TOKENS_FILE_LOCKED') return (error as Error).message.replace(/^.*? is locked/, 'it is locked')
  return error instanceof Error ? error.message : String(error)
}

/** What both kinds of token need from the command line, checked. */
interface Common {
  readonly actorId: string | undefined
  readonly name: string | undefined
  readonly format: Format
  readonly lifetime: number | undefined
  readonly restrictions: Restrictions | undefined
  readonly permissions: readonly string[]
  readonly warnings: readonly string[]
  /** The actions names are abbreviated against: the built-in ones, and `--config`'s. */
  readonly registry: ActionRegistry
  /** The `--config` configuration, when one was given (never with `--offline`). */
  readonly config: { readonly path: string; readonly config: TokengateConfig } | undefined
}

function offlineToken(scanned: ScannedArgs, common: Common, io: CliIo): ExitCode {
  const outputFile = single(scanned, 'output-file')
  if (outputFile === undefined || outputFile === '') throw new UsageError('--offline needs --output-file FILE')
  if (common.name === undefined) throw new UsageError('--offline needs --name NAME: every token in a tokens file has a unique name')
  if (common.permissions.length === 0) throw new UsageError('--offline needs at least one --permission TYPE:NAMES:ACTIONS')
  for (const option of ['all', 'database', 'resource']) {
    if (scanned.options.has(option)) {
      throw new UsageError(`--${option} cannot be used with --offline: a tokens file holds permission strings; use --permission`)
    }
  }
  if (flag(scanned, 'debug')) throw new UsageError('--debug cannot be used with --offline: an offline token is random, there is nothing to decode')
  if (scanned.options.has('type')) throw new UsageError('--type cannot be used with --offline: offline tokens are always apiv3_ tokens')
  if (scanned.options.has('secret')) throw new UsageError('--secret cannot be used with --offline: offline tokens are random, not signed')
  if (scanned.options.has('config')) throw new UsageError('--config cannot be used with --offline: offline tokens are random, not signed with its secret')
  const createValue = single(scanned, 'create-databases')
  const createDatabases = createValue === undefined ? [] : parseDatabaseList(createValue)

  const nowMillis = io.now()
  const expiryMillis = common.lifetime === undefined ? undefined : nowMillis + common.lifetime * 1000
  if (expiryMillis !== undefined && expiryMillis > MAX_DATE_MILLIS) throw new UsageError('the expiry is too far in the future')

  const entry: TokensFileEntry = {
    token: createOfflineToken(),
    name: common.name,
    ...(expiryMillis === undefined ? {} : { expiry_millis: expiryMillis }),
    permissions: [...common.permissions],
    ...(common.actorId === undefined ? {} : { owner: common.actorId }),
  }
  const name = common.name
  /** The new file from the current one, read under the file's lock: nothing is lost to a parallel run. */
  const withEntry = (existing: TokensFile | null): TokensFile => {
    if (existing?.tokens.some((other) => other.name === name) === true) {
      throw new UsageError(`a token named ${JSON.stringify(name)} already exists in ${outputFile}; choose another --name`)
    }
    const databases = [...(existing?.create_databases ?? [])]
    addMissing(databases, createDatabases)
    return existing === null
      ? { ...(databases.length > 0 ? { create_databases: databases } : {}), tokens: [entry] }
      : { ...existing, ...(databases.length > 0 ? { create_databases: databases } : {}), tokens: [...existing.tokens, entry] }
  }

  let written: TokensFile
  try {
    written = withUserPath(io, outputFile, (path) => updateTokensFile(path, withEntry))
  } catch (error) {
    // A usage error (the name is taken) or a ConfigError (the file exists but is not a tokens
    // file) exits 2, like a bad --config; nothing was written.
    if (error instanceof UsageError || error instanceof ConfigError) throw error
    throw new RefusedError(`cannot write ${outputFile}: ${writeProblem(error)}`, { cause: error })
  }
  for (const warning of common.warnings) io.stderr(`tokengate create-token: warning: ${warning}\n`)
  const owner = common.actorId ?? written.owner ?? 'root'
  if (common.format === 'json') {
    io.stdout(
      `${prettyJson({
        type: 'offline',
        name: common.name,
        actor: { id: owner },
        restrictions: common.restrictions ?? null,
        expiry: expiryMillis === undefined ? null : isoFromMillis(expiryMillis),
        output_file: outputFile,
      })}\n`,
    )
  } else {
    io.stdout(`Wrote token ${JSON.stringify(common.name)} (acting as ${owner}) to ${outputFile}\n`)
  }
  return ExitCode.ok
}

/** The signing secret, and for a JWT what else the configuration's jwt block asks of its tokens. */
interface Signing {
  readonly secret: FoundSecret | { readonly value: string; readonly from: '--config' }
  readonly jwtClaims: { algorithm?: string; issuer?: string; audience?: string }
}

function firstOf(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0]
}

/**
 * The `--config` configuration, loaded once for what it gives a signed token: its secret (only
 * the variables that secret needs are read) and its actions. `undefined` without `--config`.
 */
function configOf(scanned: ScannedArgs, type: TokenType, io: CliIo): { readonly path: string; readonly config: TokengateConfig } | undefined {
  const configPath = single(scanned, 'config')
  if (configPath === undefined) return undefined
  if (configPath === '') throw new UsageError('--config must not be empty')
  if (single(scanned, 'secret') !== undefined) throw new UsageError('--secret and --config both give the secret: pass one of them')
  const { config } = withUserPath(io, configPath, (path) => loadTaskConfig(path, io.env, [type === 'jwt' ? 'jwt' : 'secret']))
  return { path: configPath, config }
}

/**
 * The secret to sign with: `--secret`, else the configuration's (`--config`: its first `secret`
 * for a dstok_ token, the `jwt` block's secret, first HS* algorithm, issuer and audience for a
 * JWT, so that the server with that configuration accepts the token), else `TOKENGATE_SECRET`
 * or `DATASETTE_SECRET`.
 */
function signingSecret(scanned: ScannedArgs, type: TokenType, io: CliIo, loaded: Common['config']): Signing {
  if (loaded !== undefined) {
    const { path: configPath, config } = loaded
    if (type === 'dstok') {
      const value = firstOf(config.secret)
      if (value === undefined) throw new UsageError(`${configPath} has no "secret" to sign dstok_ tokens with; add one, or pass --secret`)
      return { secret: { value, from: '--config' }, jwtClaims: {} }
    }
    const block = config.jwt
    const algorithm = block?.algorithms.find((alg) => alg.startsWith('HS'))
    if (block?.secret === undefined || algorithm === undefined) {
      throw new UsageError(`${configPath} accepts no HMAC-signed JWTs (its jwt block has no secret and HS* algorithm), so tokengate cannot sign one it would accept`)
    }
    const issuer = firstOf(block.issuer)
    const audience = firstOf(block.audience)
    return {
      secret: { value: block.secret, from: '--config' },
      jwtClaims: { algorithm, ...(issuer === undefined ? {} : { issuer }), ...(audience === undefined ? {} : { audience }) },
    }
  }
  const secret = findSecret(single(scanned, 'secret'), io.env)
  if (secret === undefined) {
    throw new UsageError('no secret to sign with: pass --secret or --config, or set TOKENGATE_SECRET (or DATASETTE_SECRET)')
  }
  return { secret, jwtClaims: {} }
}

/**
 * The mistakes of a signed token's command line that need no configuration, found before
 * `--config` is read, so an unset variable in it never hides them. Returns the actor id and the
 * token type.
 */
function checkSignedArgs(scanned: ScannedArgs, actorId: string | undefined, format: Format): SignedArgs {
  for (const option of ['output-file', 'create-databases']) {
    if (scanned.options.has(option)) throw new UsageError(`--${option} needs --offline`)
  }
  const type = parseType(single(scanned, 'type'))
  if (flag(scanned, 'debug') && format === 'json') {
    throw new UsageError('--debug cannot be used with --format json: the JSON output already shows the restrictions and expiry')
  }
  if (actorId === undefined) throw new UsageError('missing ACTOR_ID: the id of the actor the token acts as, such as root')
  return { actorId, type }
}

/** What {@link checkSignedArgs} found: whom a signed token acts as, and its type. */
interface SignedArgs {
  readonly actorId: string
  readonly type: TokenType
}

/** A signed token, whose command line {@link checkSignedArgs} has checked. */
function signedToken(scanned: ScannedArgs, { actorId, type }: SignedArgs, common: Common, io: CliIo): ExitCode {
  const debug = flag(scanned, 'debug')
  const signing = signingSecret(scanned, type, io, common.config)
  const { secret } = signing
  const now = Math.floor(io.now() / 1000)
  const { lifetime } = common
  const expiryMillis = lifetime === undefined ? undefined : (now + lifetime) * 1000
  if (expiryMillis !== undefined && expiryMillis > MAX_DATE_MILLIS) throw new UsageError('the expiry is too far in the future')

  let token: string
  try {
    token =
      type === 'jwt'
        ? createJwt({ actorId, secret: secret.value, now, expiresAfter: lifetime, restrictions: common.restrictions, ...signing.jwtClaims })
        : createSignedToken({ actorId, secret: secret.value, now, expiresAfter: lifetime, restrictions: common.restrictions, registry: common.registry })
  } catch (error) {
    // The library's TypeErrors name the argument that is wrong (an actor id with a lone
    // surrogate, a secret that looks like a PEM key); they never contain the secret.
    if (error instanceof TypeError) throw new UsageError(error.message, { cause: error })
    throw error
  }

  for (const warning of common.warnings) io.stderr(`tokengate create-token: warning: ${warning}\n`)
  if (common.format === 'json') {
    io.stdout(
      `${prettyJson({
        token,
        type,
        actor: { id: actorId },
        restrictions: compactRestrictions(common.restrictions, common.registry) ?? null,
        expiry: expiryMillis === undefined ? null : isoFromMillis(expiryMillis),
        name: common.name ?? null,
      })}\n`,
    )
    return ExitCode.ok
  }
  io.stdout(`${token}\n`)
  if (debug) {
    const payload =
      type === 'jwt'
        ? (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown)
        : decodeSignedToken(token).payload
    // Datasette prints "\nDecoded:\n" with click.echo, so a blank line on each side.
    io.stdout(`\nDecoded:\n\n${prettyJson(payload)}\n`)
  }
  return ExitCode.ok
}

/**
 * Run `tokengate create-token` with the arguments after the command name.
 *
 * @param argv - the arguments, such as `['root', '--secret', 's', '--all', 'view-instance']`.
 * @param io - where output goes, the environment, the clock, and the working directory
 *   `--output-file` is relative to.
 * @returns the exit status: 0 when the token was printed or written.
 * @throws UsageError (exit 2) for any mistake on the command line, before anything is written;
 *   ConfigError (exit 2) when `--output-file` exists but is not a tokens file; RefusedError (exit 1)
 *   when the tokens file cannot be written.
 * @example
 * ```ts
 * createTokenCommand(['root', '--secret', 'mysecret', '--all', 'view-instance'], io) // prints dstok_…
 * ```
 */
export function createTokenCommand(argv: readonly string[], io: CliIo): ExitCode {
  const scanned = scanArgs(argv, OPTIONS)
  if (scanned.positionals.length > 1) {
    throw unexpectedArgument(scanned, 1, 'create-token takes one ACTOR_ID')
  }
  const actorId = scanned.positionals[0]
  if (actorId === '') throw new UsageError('ACTOR_ID must not be empty')
  const name = single(scanned, 'name')
  if (name === '') throw new UsageError('--name must not be empty')
  const format = parseFormat(single(scanned, 'format'))
  const lifetime = parseLifetime(scanned)
  const offline = flag(scanned, 'offline')
  const signed = offline ? undefined : checkSignedArgs(scanned, actorId, format)
  const config = signed === undefined ? undefined : configOf(scanned, signed.type, io)
  const registry = config === undefined ? BUILT_IN : new ActionRegistry(actionsFromConfig(config.config.actions))
  const { restrictions: given, warnings } = datasetteRestrictions(scanned, registry)
  const permissions = permissionStrings(scanned, registry)
  const fromPermissions = permissions.length > 0 ? parsePermissions(permissions, registry) : undefined
  const common: Common = {
    actorId,
    name,
    format,
    lifetime,
    restrictions: unionRestrictions(given, fromPermissions, registry),
    permissions,
    warnings,
    registry,
    config,
  }
  return signed === undefined ? offlineToken(scanned, common, io) : signedToken(scanned, signed, common, io)
}
