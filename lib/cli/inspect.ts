/**
 * `tokengate inspect TOKEN`: decode and verify a token the way a server would, and print its
 * actor, restrictions and expiry; with `--config`, also every action it may perform and where.
 *
 * Verification goes through a gate ({@link createGate}), so it follows the same rules as a
 * server: with `--config`, exactly that configuration's token sources and settings (its
 * `max_signed_tokens_ttl`, static tokens, tokens file, JWT block), the secret replaced by
 * `--secret` when given; without, signed `dstok_` tokens and HS256/384/512 JWTs with the secret.
 *
 * A `dstok_` token when no secret is known anywhere is decoded without verification, printed
 * marked UNVERIFIED, and the exit status is 1: nothing was vouched for. The secret is never
 * printed.
 *
 * @module
 */
import type { TokengateConfig } from '../config/config-types.js'
import { InvalidTokenError } from '../errors.js'
import { type Gate, type GateOptions, createGate } from '../gate.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { isRestrictions } from '../permissions/restrictions.js'
import { decodeSignedToken } from '../tokens/signed.js'
import type { Actor, CheckTarget } from '../types.js'
import { type OptionSpec, scanArgs, single, unexpectedArgument } from './args.js'
import { type CliIo, ExitCode } from './io.js'
import { describeTarget, describeUnixSeconds, prettyJson } from './output.js'
import { withUserPath } from './paths.js'
import { RefusedError } from './refused-error.js'
import { findSecret } from './secret.js'
import { type ConfigPart, type TaskConfig, loadTaskConfig } from './task-config.js'
import { UsageError } from './usage-error.js'

/** The options of `inspect`. */
const OPTIONS: readonly OptionSpec[] = [
  { long: 'secret', values: ['SECRET'] },
  { long: 'config', values: ['FILE'] },
  { long: 'format', values: ['FORMAT'] },
]

/** The HMAC algorithms a JWT is verified with when there is a secret but no configuration. */
const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const

type Format = 'text' | 'json'

function parseFormat(value: string | undefined): Format {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text'
  throw new UsageError(`--format must be text or json, got ${JSON.stringify(value)}`)
}

/** What kind of token an actor came from, for people. */
function describeKind(actor: Actor): string {
  const kind = actor['token']
  if (kind === 'dstok') return 'signed dstok_ token'
  if (kind === 'jwt') return 'JWT'
  if (kind === 'tokens_file') return `tokens-file token ${JSON.stringify(actor['token_name'])}`
  return 'static token'
}

/** One place where an action is allowed. */
interface AllowedAt {
  readonly action: string
  readonly database: string | null
  readonly resource: string | null
}

/** What a child is, as far as the configuration says: a table, a named query, or unknown (named only in `_r`). */
type ChildKind = 'table' | 'query' | 'unknown'

/** Built-in actions on named queries, which mean nothing on a table. */
const QUERY_ACTIONS = new Set(['view-query', 'update-query', 'delete-query'])
/** Built-in actions on tables (and views), which mean nothing on a named query. */
const TABLE_ACTIONS = new Set(['view-table', 'insert-row', 'delete-row', 'update-row', 'alter-table', 'set-column-type', 'drop-table', 'drop-view'])

/** Whether a resource-scope action applies to a child of this kind (an application's own actions apply to any). */
function appliesTo(action: string, kinds: ReadonlySet<ChildKind>): boolean {
  if (kinds.has('unknown')) return true
  if (QUERY_ACTIONS.has(action)) return kinds.has('query')
  if (TABLE_ACTIONS.has(action)) return kinds.has('table')
  return true
}

/**
 * Every database and child to check: those the configuration names (with their tables and
 * queries, and what each is) and those the token's restrictions name.
 */
function placesToCheck(config: TokengateConfig, actor: Actor): { databases: string[]; children: { database: string; child: string; kinds: Set<ChildKind> }[] } {
  const databases = new Set<string>()
  const children = new Map<string, { database: string; child: string; kinds: Set<ChildKind> }>()
  const addChild = (database: string, child: string, kind: ChildKind): void => {
    const key = JSON.stringify([database, child])
    const found = children.get(key) ?? { database, child, kinds: new Set<ChildKind>() }
    found.kinds.add(kind)
    children.set(key, found)
  }
  for (const [database, spec] of Object.entries(config.databases ?? {})) {
    databases.add(database)
    for (const table of Object.keys(spec.tables ?? {})) addChild(database, table, 'table')
    for (const query of Object.keys(spec.queries ?? {})) addChild(database, query, 'query')
  }
  const restrictions = actor['_r']
  if (isRestrictions(restrictions)) {
    for (const database of Object.keys(restrictions.d ?? {})) databases.add(database)
    for (const [database, tables] of Object.entries(restrictions.r ?? {})) {
      databases.add(database)
      for (const table of Object.keys(tables)) if (!children.has(JSON.stringify([database, table]))) addChild(database, table, 'unknown')
    }
  }
  return { databases: [...databases], children: [...children.values()] }
}

/**
 * For each registered action, the places (by its scope) where the actor may perform it. A
 * built-in table action is checked on tables only and a query action on named queries only:
 * `view-query` on a table is not a thing a server would ever check.
 */
function allowedPlaces(gate: Gate, actor: Actor): AllowedAt[] {
  const { databases, children } = placesToCheck(gate.config, actor)
  const out: AllowedAt[] = []
  for (const action of gate.actions.list()) {
    const targets: CheckTarget[] =
      action.scope === 'instance'
        ? [{}]
        : action.scope === 'database'
          ? databases.map((database) => ({ database }))
          : children.filter(({ kinds }) => appliesTo(action.name, kinds)).map(({ database, child }) => ({ database, resource: child }))
    for (const target of targets) {
      if (gate.allowed(actor, action.name, target)) {
        out.push({ action: action.name, database: target.database ?? null, resource: target.resource ?? null })
      }
    }
  }
  return out
}

function printAllowed(allowed: readonly AllowedAt[], configPath: string, io: CliIo): void {
  io.stdout(`\nAllowed under ${configPath}:\n`)
  if (allowed.length === 0) {
    io.stdout('  nothing\n')
    return
  }
  const byAction = new Map<string, string[]>()
  for (const { action, database, resource } of allowed) {
    const list = byAction.get(action) ?? []
    list.push(database === null ? 'instance level' : describeTarget({ database, resource }).replace(/^database /, ''))
    byAction.set(action, list)
  }
  const width = Math.max(...[...byAction.keys()].map((name) => name.length))
  for (const [action, places] of byAction) io.stdout(`  ${action.padEnd(width)}  ${places.join(', ')}\n`)
}

/** Print a `dstok_` payload that could not be verified, then refuse. */
function unverified(token: string, format: Format, io: CliIo): never {
  let payload: unknown
  try {
    payload = decodeSignedToken(token).payload
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new RefusedError(error.message, { cause: error })
    throw error
  }
  if (format === 'json') io.stdout(`${prettyJson({ verified: false, payload })}\n`)
  else io.stdout(`UNVERIFIED: the signature was not checked. Decoded payload:\n\n${prettyJson(payload)}\n`)
  throw new RefusedError('the token was not verified: no secret (pass --secret, set TOKENGATE_SECRET, or give a --config with a secret)')
}

/** Why a token was not claimed, with a hint when inspect could not have known it. */
function unknownTokenMessage(token: string, configPath: string | undefined, hasSecret: boolean, task: TaskConfig | undefined): string {
  if (configPath !== undefined) {
    const skipped = task?.skipped ?? []
    if (skipped.length === 0) return 'Unknown token (no token source of this configuration claims it)'
    const list = skipped.map(({ path, variable }) => `${path} (${variable})`).join(', ')
    return `Unknown token (no token source of this configuration claims it; not compared, because their variables are not set: ${list})`
  }
  if (token.startsWith('apiv3_')) return 'Unknown token: an apiv3_ token is looked up in the tokens file a configuration names; pass --config'
  return hasSecret
    ? 'Unknown token: without --config only dstok_ tokens and HMAC-signed JWTs can be verified'
    : 'Unknown token: pass --secret (for dstok_ tokens and HMAC JWTs) or --config'
}

/** Whether a token has the JWS compact shape with a JSON header naming an `alg`, as the JWT source claims. */
function looksLikeJwt(token: string): boolean {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) return false
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'))
    return isPlainObject(header) && typeof header['alg'] === 'string'
  } catch {
    return false
  }
}

/**
 * Run `tokengate inspect` with the arguments after the command name.
 *
 * @param argv - the arguments, such as `['dstok_…', '--secret', 's']`.
 * @param io - where output goes, the environment, the clock, and the working directory `--config`
 *   is relative to.
 * @returns 0 when the token is valid.
 * @throws RefusedError (exit 1) when the token is invalid, expired, unknown or could not be
 *   verified; UsageError (exit 2) for a wrong command line; ConfigError (exit 2) when the
 *   configuration cannot be loaded.
 * @example
 * ```ts
 * await inspectCommand(['dstok_…', '--secret', 'mysecret'], io) // prints the actor, restrictions, expiry
 * ```
 */
export async function inspectCommand(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const scanned = scanArgs(argv, OPTIONS)
  const [token, extra] = scanned.positionals
  if (token === undefined) throw new UsageError('missing TOKEN: the token to inspect')
  if (extra !== undefined) throw unexpectedArgument(scanned, 1, 'inspect takes one TOKEN')
  if (token === '') throw new UsageError('TOKEN must not be empty')
  if (/\s/.test(token)) throw new UsageError('TOKEN must not contain whitespace')
  const format = parseFormat(single(scanned, 'format'))
  const configPath = single(scanned, 'config')
  if (configPath === '') throw new UsageError('--config must not be empty')

  // Only the variables this token's checks use: the secret for a dstok_ token (unless --secret
  // gives it), the jwt block for a JWT. An unset BOT_TOKEN does not stop a dstok_ inspection.
  const givenSecret = single(scanned, 'secret')
  const uses: ConfigPart[] = []
  if (token.startsWith('dstok_') && givenSecret === undefined) uses.push('secret')
  if (looksLikeJwt(token)) uses.push('jwt')
  const task = configPath === undefined ? undefined : withUserPath(io, configPath, (path) => loadTaskConfig(path, io.env, uses))
  // The secret: --secret, else the configuration's own, else the environment.
  const configHasSecret = task?.config.secret !== undefined
  const secret = findSecret(givenSecret, configHasSecret ? {} : io.env)
  if (token.startsWith('dstok_') && secret === undefined && !configHasSecret) unverified(token, format, io)

  const options: GateOptions = {
    env: io.env,
    now: () => io.now() / 1000,
    ...(secret === undefined ? {} : { secret: secret.value }),
    ...(configPath === undefined && secret !== undefined ? { jwt: { algorithms: HMAC_ALGORITHMS, secret: secret.value } } : {}),
  }
  let gate: Gate
  try {
    gate = createGate(task === undefined ? {} : task.input, options)
  } catch (error) {
    // The library's TypeErrors name the option that is wrong; they never contain the secret.
    if (error instanceof TypeError) throw new UsageError(error.message, { cause: error })
    throw error
  }

  let actor: Actor | null
  try {
    actor = await gate.authenticate({ authorization: `Bearer ${token}` })
  } catch (error) {
    if (error instanceof InvalidTokenError) {
      const message = error.reason === 'unknown' ? unknownTokenMessage(token, configPath, secret !== undefined, task) : error.message
      throw new RefusedError(message, { cause: error })
    }
    throw error
  }
  if (actor === null) throw new RefusedError('Unknown token')

  const restrictions = isPlainObject(actor) && Object.hasOwn(actor, '_r') ? actor['_r'] : null
  const expires = typeof actor['token_expires'] === 'number' ? describeUnixSeconds(actor['token_expires']) : null
  const allowed = configPath === undefined ? undefined : allowedPlaces(gate, actor)

  if (format === 'json') {
    io.stdout(
      `${prettyJson({
        verified: true,
        type: describeKind(actor),
        actor,
        restrictions,
        expires,
        ...(allowed === undefined ? {} : { allowed }),
      })}\n`,
    )
    return ExitCode.ok
  }
  io.stdout(`Token:        ${describeKind(actor)}, verified\n`)
  io.stdout(`Actor:        ${JSON.stringify(actor)}\n`)
  io.stdout(
    `Restrictions: ${restrictions === null ? 'none (the token may do whatever its actor may)' : JSON.stringify(restrictions)}\n`,
  )
  io.stdout(`Expires:      ${expires ?? 'never'}\n`)
  if (allowed !== undefined && configPath !== undefined) printAllowed(allowed, configPath, io)
  return ExitCode.ok
}
