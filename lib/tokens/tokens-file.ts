/**
 * InfluxDB-style offline permission tokens files (SPEC section 7; InfluxDB 3's
 * `influxdb3 create token --offline --output-file FILE` and `--permission-tokens-file`):
 * reading and validating one ({@link readTokensFile}), writing one atomically
 * ({@link writeTokensFile}) or changing one under a lock ({@link updateTokensFile}), making a token for one ({@link createOfflineToken}), and the token
 * source that serves one ({@link tokensFileSource}).
 *
 * The file's shape is InfluxDB's, plus an optional `owner` at the top level and on each token:
 *
 * ```json
 * {
 *   "create_databases": ["db1", "db2"],
 *   "tokens": [
 *     { "token": "apiv3_…", "name": "ingest", "expiry_millis": 1756400061529, "permissions": ["db:db1,db2:read,write"] }
 *   ]
 * }
 * ```
 *
 * "One model for every token" (SPEC section 6): each token acts as its owner (the entry's
 * `owner`, else the file's `owner`, else `root`) restricted by its permission strings compiled
 * into `_r`, so it can never do more than its owner may. Tokens are kept in memory only as
 * SHA-256 digests; a presented token is hashed and looked up, never compared with a stored one.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { ConfigError, InvalidTokenError, isTokengateError } from '../errors.js'
import { buildActor } from '../internal/actor.js'
import { writeFileAtomically } from '../internal/atomic-write.js'
import { withFileLock } from '../internal/file-lock.js'
import { deepFreeze } from '../internal/deep-freeze.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { type PathSegment, ROOT_PATH, formatPath } from '../internal/json-path.js'
import type { ActionRegistry } from '../permissions/actions.js'
import { parsePermissions } from '../permissions/permission-strings.js'
import type { Restrictions, TokenContext, TokenSource, TokenSourceResult } from '../types.js'
import { tokenDigest } from '../internal/token-digest.js'
import { checkOptionNames } from '../internal/options.js'

/** The prefix of an offline token, as InfluxDB 3 requires it. */
export const OFFLINE_TOKEN_PREFIX = 'apiv3_'

/** The fewest characters an offline token may have after its prefix (16 base64 characters = 96 bits). */
const MIN_TOKEN_BODY = 16

/** The owner of a token whose entry and file name none. */
const DEFAULT_OWNER = 'root'

/** One token of an offline tokens file. Unknown keys are kept when the file is rewritten. */
export interface TokensFileEntry {
  /** The token itself: `apiv3_` and at least 16 more characters. A secret. */
  readonly token: string
  /** The token's name, unique within the file. */
  readonly name: string
  /** When the token stops working, in unix milliseconds; absent or `null` for never. */
  readonly expiry_millis?: number | null | undefined
  /** InfluxDB-style permission strings (`TYPE:NAMES:ACTIONS`); at least one. */
  readonly permissions: readonly string[]
  /** The id of the actor the token acts as (tokengate's addition). @defaultValue the file's `owner`, else `"root"` */
  readonly owner?: string | undefined
  readonly [key: string]: unknown
}

/** An offline tokens file. Unknown keys are kept when the file is rewritten. */
export interface TokensFile {
  /** Databases InfluxDB creates at start-up; tokengate keeps them but does not act on them. */
  readonly create_databases?: readonly string[] | undefined
  /** The owner of every token that names none (tokengate's addition). @defaultValue `"root"` */
  readonly owner?: string | undefined
  readonly tokens: readonly TokensFileEntry[]
  readonly [key: string]: unknown
}

type Problem = { path: string; message: string }

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}

function at(segments: readonly PathSegment[]): string {
  return formatPath(segments)
}

/**
 * Every problem with the shape of a tokens file, each at its JSON path. Permission strings are
 * only checked to be strings here ({@link tokensFileSource} compiles them). Never quotes a token.
 */
function shapeProblems(value: unknown): Problem[] {
  const problems: Problem[] = []
  if (!isPlainObject(value)) {
    return [{ path: ROOT_PATH, message: `must be an object such as {"tokens": [...]}, got ${describe(value)}` }]
  }
  const owner = value['owner']
  if (owner !== undefined && !isNonEmptyString(owner)) {
    problems.push({ path: 'owner', message: `must be a non-empty string (an actor id), got ${describe(owner)}` })
  }
  const databases = value['create_databases']
  if (databases !== undefined) {
    if (!Array.isArray(databases)) {
      problems.push({ path: 'create_databases', message: `must be a list of database names, got ${describe(databases)}` })
    } else {
      databases.forEach((name: unknown, index) => {
        if (!isNonEmptyString(name)) {
          problems.push({ path: at(['create_databases', index]), message: `must be a non-empty string, got ${describe(name)}` })
        }
      })
    }
  }
  const tokens = value['tokens']
  if (!Array.isArray(tokens)) {
    problems.push({
      path: 'tokens',
      message: tokens === undefined ? 'is required: a list of tokens' : `must be a list of tokens, got ${describe(tokens)}`,
    })
    return problems
  }
  const names = new Map<string, number>()
  const digests = new Map<string, number>()
  tokens.forEach((entry: unknown, index) => {
    const here = (key?: string | number, more?: number): string =>
      at(['tokens', index, ...(key === undefined ? [] : [key]), ...(more === undefined ? [] : [more])])
    if (!isPlainObject(entry)) {
      problems.push({ path: here(), message: `must be an object with "token", "name" and "permissions", got ${describe(entry)}` })
      return
    }
    const token = entry['token']
    if (typeof token !== 'string') {
      problems.push({ path: here('token'), message: `must be a string, got ${describe(token)}` })
    } else if (!token.startsWith(OFFLINE_TOKEN_PREFIX) || token.length < OFFLINE_TOKEN_PREFIX.length + MIN_TOKEN_BODY) {
      problems.push({
        path: here('token'),
        message: `must start with "${OFFLINE_TOKEN_PREFIX}" followed by at least ${MIN_TOKEN_BODY} random characters (tokengate create-token --offline makes one)`,
      })
    } else {
      const key = tokenDigest(token)
      const first = digests.get(key)
      if (first !== undefined) {
        problems.push({ path: here('token'), message: `is the same token as tokens[${first}]; every token must be different` })
      } else {
        digests.set(key, index)
      }
    }
    const name = entry['name']
    if (!isNonEmptyString(name)) {
      problems.push({ path: here('name'), message: `must be a non-empty string, got ${describe(name)}` })
    } else {
      const first = names.get(name)
      if (first !== undefined) {
        problems.push({ path: here('name'), message: `${JSON.stringify(name)} is already the name of tokens[${first}]; names must be unique` })
      } else {
        names.set(name, index)
      }
    }
    const expiry = entry['expiry_millis']
    if (expiry !== undefined && expiry !== null && !(Number.isSafeInteger(expiry) && (expiry as number) >= 0)) {
      problems.push({
        path: here('expiry_millis'),
        message: `must be a whole number of unix milliseconds (or null for never), got ${typeof expiry === 'number' ? String(expiry) : describe(expiry)}`,
      })
    }
    const permissions = entry['permissions']
    if (!Array.isArray(permissions)) {
      problems.push({ path: here('permissions'), message: `must be a list of permission strings such as "db:mydb:read", got ${describe(permissions)}` })
    } else if (permissions.length === 0) {
      problems.push({ path: here('permissions'), message: 'must list at least one permission string such as "db:mydb:read"' })
    } else {
      permissions.forEach((permission: unknown, i) => {
        if (typeof permission !== 'string') {
          problems.push({ path: here('permissions', i), message: `must be a string, got ${describe(permission)}` })
        }
      })
    }
    const entryOwner = entry['owner']
    if (entryOwner !== undefined && !isNonEmptyString(entryOwner)) {
      problems.push({ path: here('owner'), message: `must be a non-empty string (an actor id), got ${describe(entryOwner)}` })
    }
  })
  return problems
}


/**
 * Read and validate an offline tokens file.
 *
 * @param file - the file's path.
 * @returns the parsed file, or `null` when it does not exist.
 * @throws ConfigError (`ERR_CONFIG_INVALID`) naming the file when it cannot be read, is not
 *   JSON, or does not have the shape above (every problem, each at its JSON path, such as
 *   `tokens[1].name: "ingest" is already the name of tokens[0]; names must be unique`). Messages
 *   never quote a token, nor the file's text.
 * @example
 * ```ts
 * const file = readTokensFile('tokens.json')
 * file?.tokens.map((t) => t.name) // ['ingest', 'dashboard']
 * ```
 */
export function readTokensFile(file: string): TokensFile | null {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    if (code === 'ENOENT') return null
    const message =
      code === 'EISDIR'
        ? 'is a directory, not a tokens file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'cannot be read: permission denied'
          : `cannot be read (${typeof code === 'string' ? code : 'unknown error'})`
    throw new ConfigError([{ path: ROOT_PATH, message: `the tokens file ${message}` }], { source: file, cause: error })
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  if (text.trim() === '') {
    throw new ConfigError([{ path: ROOT_PATH, message: 'the tokens file is empty; it should be a JSON object such as {"tokens": []}' }], {
      source: file,
    })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // JSON.parse's own message may quote the text, which holds tokens: not kept.
    throw new ConfigError([{ path: ROOT_PATH, message: 'the tokens file is not valid JSON' }], { source: file })
  }
  const problems = shapeProblems(value)
  if (problems.length > 0) throw new ConfigError(problems, { source: file })
  return value as TokensFile
}

/**
 * Write an offline tokens file atomically and durably, under the file's lock: the JSON goes to a
 * temporary file in the same directory, created with mode `0600`, written fully (a short write
 * is continued; a write that cannot go on throws), flushed to disk, renamed over `file`, and the
 * directory is flushed. A reader sees the old file or the new one, never half of one, and any
 * failure leaves the old file byte for byte as it was (and no temporary file behind).
 *
 * - The new file has mode `0600` and belongs to the writer; run as root over an existing file,
 *   it keeps that file's owner, group and mode instead.
 * - A symbolic link is not replaced: the error has the code `ERR_TOKENS_FILE_SYMLINK`.
 * - The lock is `FILE.lock` beside the file (see {@link updateTokensFile}); use
 *   `updateTokensFile` to change a file, so that concurrent writers never lose each other's
 *   tokens.
 *
 * @param file - the file's path.
 * @param data - the whole file; validated first with the rules of {@link readTokensFile}.
 * @throws TypeError when `data` does not have a tokens file's shape (the message names the first
 *   problem's path, never a token); an Error with code `ERR_TOKENS_FILE_SYMLINK` for a symbolic
 *   link or `ERR_TOKENS_FILE_LOCKED` when another writer holds the lock for 10 seconds; the error
 *   of the failed system call when writing fails (`ENOSPC`, `EFBIG`, `EACCES`, `ENOENT`…).
 * @example
 * ```ts
 * writeTokensFile('tokens.json', { tokens: [{ token: createOfflineToken(), name: 'ingest', permissions: ['db:sensors:write'] }] })
 * ```
 */
export function writeTokensFile(file: string, data: TokensFile): void {
  const text = tokensFileText(data)
  withFileLock(file, () => writeFileAtomically(file, text))
}

/** The text of a tokens file, after checking its shape. */
function tokensFileText(data: TokensFile): string {
  const problems = shapeProblems(data)
  const [first] = problems
  if (first !== undefined) throw new TypeError(`Not a valid tokens file: ${first.path}: ${first.message}`)
  return `${JSON.stringify(data, null, 2)}\n`
}

/**
 * Change an offline tokens file safely when several processes may write it at once: take its
 * lock (`FILE.lock`, created with `O_EXCL`; a lock whose process is gone is broken), read it,
 * let `update` compute the new contents, write them as {@link writeTokensFile} does, and release
 * the lock. Twenty `tokengate create-token --offline` runs started together keep twenty tokens.
 * When `update` throws, nothing is written.
 *
 * @param file - the file's path.
 * @param update - given the current file (`null` when there is none), returns the whole new file.
 * @returns what `update` returned, as written.
 * @throws ConfigError (`ERR_CONFIG_INVALID`) when the existing file is not a valid tokens file;
 *   whatever `update` throws; and the errors of {@link writeTokensFile}.
 * @example
 * ```ts
 * updateTokensFile('tokens.json', (current) => ({
 *   ...current,
 *   tokens: [...(current?.tokens ?? []), { token: createOfflineToken(), name: 'ingest', permissions: ['db:sensors:write'] }],
 * }))
 * ```
 */
export function updateTokensFile(file: string, update: (current: TokensFile | null) => TokensFile): TokensFile {
  return withFileLock(file, () => {
    const next = update(readTokensFile(file))
    writeFileAtomically(file, tokensFileText(next))
    return next
  })
}

/**
 * A new random offline token: `apiv3_` followed by 32 random bytes in unpadded base64url
 * (256 bits), as InfluxDB 3 writes them.
 *
 * @example
 * ```ts
 * createOfflineToken() // 'apiv3_Hq3…' (49 characters)
 * ```
 */
export function createOfflineToken(): string {
  return `${OFFLINE_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
}

/** What {@link tokensFileSource} takes besides the file. */
export interface TokensFileSourceOptions {
  /**
   * The actions permission strings may name besides InfluxDB's words.
   * @defaultValue the built-in actions
   */
  registry?: ActionRegistry | undefined
  /** The source's name, for logs and explanations. @defaultValue `"tokens_file"` */
  name?: string | undefined
}

/**
 * The actor a tokens-file token resolves to: its owner's id, `token: "tokens_file"`, the
 * token's name, its permissions compiled into `_r`, and `token_expires` (unix seconds) when it
 * has an expiry.
 */
export type TokensFileActor = {
  readonly id: string
  readonly token: 'tokens_file'
  readonly token_name: string
  readonly _r: Restrictions
  readonly token_expires?: number
}

interface Loaded {
  readonly result: TokenSourceResult
  readonly expiryMillis: number | null
}

/**
 * A token source over an offline tokens file. The file is read, validated and compiled once,
 * here: each token is kept only as its SHA-256 digest, mapped to a frozen actor
 * `{ id: owner, token: 'tokens_file', token_name, _r, token_expires? }` whose `_r` is the
 * token's permission strings compiled with {@link parsePermissions}. Edit the file and create a
 * new source (restart the app) to pick up changes.
 *
 * `verify` hashes the presented token and looks it up: unknown → `null` ("not mine"); known but
 * past its `expiry_millis` → {@link InvalidTokenError} `Token has expired`; otherwise the actor.
 *
 * @param file - the tokens file's path (relative to the working directory).
 * @param options - the action registry and the source's name.
 * @throws ConfigError (`ERR_CONFIG_INVALID`) naming the file when it is missing, unreadable, not
 *   JSON, badly shaped, or holds an invalid permission string (at its path, such as
 *   `tokens[0].permissions[1]: resource type not supported foo`). Never quotes a token.
 * @example
 * ```ts
 * const source = tokensFileSource('tokens.json')
 * source.verify('apiv3_…', { now, digest })
 * // { actor: { id: 'root', token: 'tokens_file', token_name: 'ingest', _r: { d: { sensors: ['ir', 'ur', 'dr'] } } }, expiresAt: null }
 * ```
 */
export function tokensFileSource(file: string, options: TokensFileSourceOptions = {}): TokenSource {
  checkOptionNames(options, ['registry', 'name'], 'tokensFileSource')
  const name = options.name ?? 'tokens_file'
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`"name" option must be a non-empty string, got ${JSON.stringify(name)}`)
  }
  const data = readTokensFile(file)
  if (data === null) {
    throw new ConfigError([{ path: ROOT_PATH, message: 'the tokens file does not exist; check "tokens_file" or create it with tokengate create-token --offline' }], {
      source: file,
    })
  }
  const problems: Problem[] = []
  const byDigest = new Map<string, Loaded>()
  data.tokens.forEach((entry, index) => {
    let failed = false
    entry.permissions.forEach((permission, i) => {
      try {
        parsePermissions(permission, options.registry)
      } catch (error) {
        if (!isTokengateError(error)) throw error
        failed = true
        problems.push({ path: at(['tokens', index, 'permissions', i]), message: error.message })
      }
    })
    if (failed) return
    const restrictions = parsePermissions(entry.permissions, options.registry)
    const expiryMillis = entry.expiry_millis ?? null
    const actor: TokensFileActor = {
      id: entry.owner ?? data.owner ?? DEFAULT_OWNER,
      token: 'tokens_file',
      token_name: entry.name,
      _r: restrictions,
      ...(expiryMillis === null ? {} : { token_expires: expiryMillis / 1000 }),
    }
    const built = buildActor(actor)
    // Unreachable: the file's shape was checked and `_r` comes from permission strings.
    if (!built.ok) throw new ConfigError([{ path: at(['tokens', index]), message: `the token's actor ${built.problem}` }], { source: file })
    const result = Object.freeze({ actor: deepFreeze(built.actor), expiresAt: expiryMillis === null ? null : expiryMillis / 1000, ownerId: actor.id })
    byDigest.set(tokenDigest(entry.token), { result, expiryMillis })
  })
  if (problems.length > 0) throw new ConfigError(problems, { source: file })

  return Object.freeze({
    name,
    verify: function verifyTokensFileToken(token: string, context: TokenContext): TokenSourceResult | null {
      if (typeof token !== 'string' || token === '') return null
      const found = byDigest.get(context.digest)
      if (found === undefined) return null
      if (found.expiryMillis !== null && context.now * 1000 > found.expiryMillis) {
        throw new InvalidTokenError('Token has expired', { reason: 'expired' })
      }
      return found.result
    },
  })
}
