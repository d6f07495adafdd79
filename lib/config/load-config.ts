/**
 * Loading a configuration: read the JSON file (or take the object), resolve `$env`/`$file`
 * secrets, validate the shape against the JSON Schema, run the checks a schema cannot express,
 * and return a deep-frozen copy.
 *
 * The order is fixed and written once, here:
 * 1. read and parse (a path) or take as is (an object; never mutated);
 * 2. resolve secrets, relative `$file` paths against the configuration file's directory;
 * 3. strip one trailing newline from static tokens that came from `$file` (SPEC 6, "Secrets");
 * 4. validate the shape ({@link CONFIG_SCHEMA}, every error at once);
 * 5. semantic checks: custom actions build a valid action registry with the code's actions,
 *    every `permissions` key is a registered full action name, the JWT keys suit their
 *    algorithms (by the same rules as the `jwt` option), a static actor is JSON data and its
 *    `_r` well formed, no allow block is keyed on `_r`;
 * 6. attach the redacted view (`redact.ts`: what `gate.config` is and what printing the
 *    configuration shows), deep-freeze and return.
 *
 * Loading is synchronous (`createGate` calls it) and all-or-nothing: any problem throws one
 * {@link ConfigError} listing every problem found, before anything is returned.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { dirname, extname, resolve } from 'node:path'
import { ConfigError } from '../errors.js'
import { buildActor } from '../internal/actor.js'
import { deepFreeze } from '../internal/deep-freeze.js'
import { type Action, type DeclaredAction, actionProblemError, actionProblems, defineAction, unknownActionMessage } from '../permissions/actions.js'
import type { TokengateConfig } from './config-types.js'
import { attachRedactedView } from './redact.js'
import { schemaProblems } from './schema.js'
import { type PathSegment, ROOT_PATH, formatPath } from '../internal/json-path.js'
import { type ConfigProblem, type SecretOrigin, resolveSecretsDetailed } from './secrets.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { lineAndColumn, locateJsonError } from '../internal/json-syntax-error.js'
import { type JwtKeyInput, type JwtKeyNames, jwtKeys } from '../tokens/jwt-keys.js'
import { restrictionsProblem } from '../permissions/restrictions.js'
import { checkOptionNames } from '../internal/options.js'

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * Where `$env` references are looked up. It replaces `process.env`, it is not merged with it
   * (the error for a missing variable says "not set in the env option").
   * @defaultValue `process.env`
   */
  env?: Readonly<Record<string, string | undefined>> | undefined
  /**
   * The application's own actions (made with {@link defineAction}), registered together with
   * the built-ins and the configuration's `actions`; `permissions` blocks may name them.
   * @defaultValue `[]`
   */
  actions?: readonly Action[] | undefined
  /**
   * The directory relative `$file` paths resolve against.
   * @defaultValue the configuration file's directory for a path, `process.cwd()` for an object
   */
  baseDir?: string | undefined
}

type JsonObject = { readonly [key: string]: unknown }


// ---------------------------------------------------------------------------------------------
// 1. Reading the file

/** Read and parse a configuration file, or throw a ConfigError naming the file. */
function readConfigFile(file: string): unknown {
  const absolute = resolve(file)
  let text: string
  try {
    text = readFileSync(absolute, 'utf8')
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    const message =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `the configuration file does not exist (looked for ${absolute}); check the path`
        : code === 'EISDIR'
          ? `${absolute} is a directory; pass the path of the JSON configuration file`
          : code === 'EACCES' || code === 'EPERM'
            ? `the configuration file cannot be read: permission denied (${absolute}); make it readable by this process`
            : `the configuration file cannot be read (${typeof code === 'string' ? code : 'unknown error'}): ${absolute}`
    throw new ConfigError([{ path: ROOT_PATH, message }], { source: file, cause: error })
  }
  // Editors on Windows may write a byte order mark; it is not part of the JSON.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  if (text.trim() === '') {
    throw new ConfigError([{ path: ROOT_PATH, message: 'the configuration file is empty; write a JSON object such as {}' }], {
      source: file,
    })
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    const located = locateJsonError(text)
    const where = located === undefined ? '' : `: expected ${located.expected} at ${lineAndColumn(text, located.offset)}`
    const ext = extname(file).toLowerCase()
    const yaml = ext === '.yaml' || ext === '.yml' ? ' (tokengate reads JSON only; convert the YAML file to JSON)' : ''
    // The parser's own error is not kept as `cause`: its message may quote the text.
    throw new ConfigError([{ path: ROOT_PATH, message: `not valid JSON${where}${yaml}` }], { source: file })
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Static tokens read from files

/** Drop one trailing `\n` or `\r\n`. */
function stripOneNewline(value: string): string {
  if (value.endsWith('\r\n')) return value.slice(0, -2)
  if (value.endsWith('\n')) return value.slice(0, -1)
  return value
}

/**
 * Every static token entry in the configuration (tokengate's `tokens` and both
 * datasette-auth-tokens forms), with its JSON path. Tolerates any shape: the schema reports
 * shape problems.
 */
function staticTokenEntries(config: unknown): { entry: { [key: string]: unknown }; path: PathSegment[] }[] {
  const out: { entry: { [key: string]: unknown }; path: PathSegment[] }[] = []
  if (!isPlainObject(config)) return out
  const collect = (list: unknown, path: PathSegment[]): void => {
    if (!Array.isArray(list)) return
    list.forEach((entry: unknown, index) => {
      if (isPlainObject(entry)) out.push({ entry: entry as { [key: string]: unknown }, path: [...path, index] })
    })
  }
  collect(config['tokens'], ['tokens'])
  const plugins = config['plugins']
  const plugin = isPlainObject(plugins) ? plugins['datasette-auth-tokens'] : undefined
  if (Array.isArray(plugin)) collect(plugin, ['plugins', 'datasette-auth-tokens'])
  else if (isPlainObject(plugin)) collect(plugin['tokens'], ['plugins', 'datasette-auth-tokens', 'tokens'])
  return out
}

/** Strip one trailing newline from each static token that came from `$file`, in place (our copy). */
function trimFileTokens(config: unknown, origins: ReadonlyMap<string, SecretOrigin>): void {
  for (const { entry, path } of staticTokenEntries(config)) {
    const token = entry['token']
    if (typeof token === 'string' && origins.get(formatPath([...path, 'token']))?.kind === 'file') {
      entry['token'] = stripOneNewline(token)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 5. Semantic checks

function hasProblemUnder(problems: readonly ConfigProblem[], prefix: string): boolean {
  return problems.some((p) => p.path === prefix || p.path.startsWith(`${prefix}.`) || p.path.startsWith(`${prefix}[`))
}

/** What the action checks learned, for the `permissions` check that follows. */
interface KnownActions {
  /** Every registered full name. */
  names: Set<string>
  /** Abbreviation -> full name. */
  abbreviations: Map<string, string>
}

/**
 * Check the configuration's `actions` together with the built-ins and the option's actions, by
 * the registry's own rules (`actionProblems`): valid names and abbreviations, no collisions,
 * also-requires naming a registered action, no cycles. Problems of configured actions go to
 * `problems`, each at `actions.<name>`; a problem of the option's actions is a programming
 * error and throws a TypeError.
 */
function checkActions(config: JsonObject, optionActions: readonly Action[], problems: ConfigProblem[]): KnownActions {
  const declared: DeclaredAction[] = optionActions.map((action) => ({ action, origin: 'option' }))
  const configured = config['actions']
  // With shape problems under `actions` (reported by the schema), the actions are not checked.
  const shapeValid = configured === undefined || (isPlainObject(configured) && !hasProblemUnder(problems, 'actions'))
  /** Declared names whose own definition failed: known, so not reported again elsewhere. */
  const failed = new Set<string>()
  if (isPlainObject(configured) && shapeValid) {
    for (const [name, spec] of Object.entries(configured)) {
      const path = formatPath(['actions', name])
      const init = spec as { abbr?: string | null; scope: Action['scope']; default?: boolean; also_requires?: string | null; description?: string }
      try {
        defineAction({ name, scope: init.scope })
      } catch {
        failed.add(name)
        problems.push({
          path,
          message: `${JSON.stringify(name)} is not a valid action name; use letters, digits, "-" and "_", starting with a letter or digit, such as "publish-post"`,
        })
        continue
      }
      try {
        declared.push({
          origin: 'config',
          action: defineAction({
            name,
            abbr: init.abbr,
            scope: init.scope,
            defaultAllow: init.default,
            alsoRequires: init.also_requires,
            description: init.description,
          }),
        })
      } catch {
        failed.add(name)
        problems.push({
          path,
          message: `abbreviation ${JSON.stringify(init.abbr)} is not valid; use letters, digits, "-" and "_", starting with a letter or digit, such as "pp"`,
        })
      }
    }
  }
  // Every configured name counts as registered for also-requires: one that failed its own check
  // is reported where it is declared, not again where it is required.
  const { problems: found, accepted } = actionProblems(declared, isPlainObject(configured) ? new Set(Object.keys(configured)) : failed)
  for (const problem of found) {
    if (problem.declared.origin !== 'config') throw actionProblemError(problem)
    problems.push({ path: formatPath(['actions', problem.declared.action.name]), message: problem.message })
    failed.add(problem.declared.action.name)
  }
  const names = new Set([...accepted.map(({ action }) => action.name), ...failed])
  const abbreviations = new Map(accepted.flatMap(({ action }) => (action.abbr === null ? [] : [[action.abbr, action.name] as const])))
  return { names, abbreviations }
}

/** Every `permissions` block of the configuration, with its path (tolerates any shape). */
function permissionsBlocks(config: JsonObject): { block: JsonObject; path: PathSegment[] }[] {
  const out: { block: JsonObject; path: PathSegment[] }[] = []
  const add = (owner: unknown, path: PathSegment[]): void => {
    if (!isPlainObject(owner)) return
    const block = owner['permissions']
    if (isPlainObject(block)) out.push({ block, path: [...path, 'permissions'] })
  }
  add(config, [])
  const databases = config['databases']
  if (!isPlainObject(databases)) return out
  for (const [database, db] of Object.entries(databases)) {
    add(db, ['databases', database])
    if (!isPlainObject(db)) continue
    for (const kind of ['tables', 'queries'] as const) {
      const children = db[kind]
      if (!isPlainObject(children)) continue
      for (const [child, spec] of Object.entries(children)) add(spec, ['databases', database, kind, child])
    }
  }
  return out
}

function checkPermissionNames(config: JsonObject, known: KnownActions, problems: ConfigProblem[]): void {
  for (const { block, path } of permissionsBlocks(config)) {
    for (const name of Object.keys(block)) {
      if (!known.names.has(name)) problems.push({ path: formatPath([...path, name]), message: unknownActionMessage(name, known) })
    }
  }
}

/**
 * A static token's actor must be JSON data within the actor limits (`internal/actor.ts`), and
 * may carry `_r`, which must be well formed, as a token's would.
 */
function checkStaticActors(config: JsonObject, problems: ConfigProblem[]): void {
  for (const { entry, path } of staticTokenEntries(config)) {
    const actor = entry['actor']
    if (!isPlainObject(actor)) continue
    const where = formatPath([...path, 'actor'])
    if (hasProblemUnder(problems, where)) continue
    const built = buildActor(actor)
    if (!built.ok) {
      problems.push({ path: where, message: built.problem })
      continue
    }
    if (!Object.hasOwn(actor, '_r')) continue
    const problem = restrictionsProblem(actor['_r'])
    if (problem !== null) problems.push({ path: where, message: problem })
  }
}

/** Every allow block of the configuration (`allow`, `allow_sql`, `permissions.*`), with its path. */
function allowBlocks(config: JsonObject): { block: unknown; path: PathSegment[] }[] {
  const out: { block: unknown; path: PathSegment[] }[] = []
  const at = (owner: unknown, path: PathSegment[], keys: readonly string[]): void => {
    if (!isPlainObject(owner)) return
    for (const key of keys) if (Object.hasOwn(owner, key)) out.push({ block: owner[key], path: [...path, key] })
    const permissions = owner['permissions']
    if (isPlainObject(permissions)) {
      for (const [action, block] of Object.entries(permissions)) out.push({ block, path: [...path, 'permissions', action] })
    }
  }
  at(config, [], ['allow', 'allow_sql'])
  const databases = config['databases']
  if (!isPlainObject(databases)) return out
  for (const [database, db] of Object.entries(databases)) {
    at(db, ['databases', database], ['allow', 'allow_sql'])
    if (!isPlainObject(db)) continue
    for (const kind of ['tables', 'queries'] as const) {
      const children = db[kind]
      if (!isPlainObject(children)) continue
      for (const [child, spec] of Object.entries(children)) at(spec, ['databases', database, kind, child], ['allow'])
    }
  }
  return out
}

/**
 * No allow block may be keyed on `_r`: an actor carries `_r` only when a token restricts it, so
 * `{"_r": "*"}` would let a restricted token do what its owner cannot (the restriction gate only
 * removes; a rule must never add). Other keys tokens add (`token`, `token_expires`) match like
 * any actor key, as in Datasette.
 */
function checkAllowBlocksOnRestrictions(config: JsonObject, problems: ConfigProblem[]): void {
  for (const { block, path } of allowBlocks(config)) {
    if (!isPlainObject(block) || !Object.hasOwn(block, '_r')) continue
    problems.push({
      path: formatPath([...path, '_r']),
      message:
        'an allow block cannot match _r: it holds a token\'s restrictions, so {"_r": "*"} would let any restricted token do what its owner cannot; match the actor\'s own keys instead',
    })
  }
}

/** The `jwt` block's inputs by their configuration names, for the shared key check. */
const JWT_CONFIG_KEYS: { readonly [input in JwtKeyInput]: string } = { algorithms: 'algorithms', secret: 'secret', publicKey: 'public_key', jwksUri: 'jwks_uri' }
const JWT_CONFIG_NAMES: JwtKeyNames = { algorithms: 'jwt.algorithms', secret: 'jwt.secret', publicKey: 'jwt.public_key', jwksUri: 'jwt.jwks_uri' }

/** The JWT algorithms and keys, checked by the same rules as the `jwt` option (`jwt-keys.ts`). */
function checkJwt(config: JsonObject, problems: ConfigProblem[]): void {
  const jwt = config['jwt']
  if (!isPlainObject(jwt) || hasProblemUnder(problems, 'jwt')) return
  const checked = jwtKeys({ algorithms: jwt['algorithms'], secret: jwt['secret'], publicKey: jwt['public_key'], jwksUri: jwt['jwks_uri'] }, JWT_CONFIG_NAMES)
  if (checked.ok) return
  const { input, index, message } = checked.problem
  problems.push({ path: formatPath(['jwt', JWT_CONFIG_KEYS[input], ...(index === undefined ? [] : [index])]), message })
}

// ---------------------------------------------------------------------------------------------
// The loader

/**
 * Load and validate a tokengate configuration: a Datasette metadata.json (accepted unchanged)
 * plus tokengate's own keys. Synchronous, and all-or-nothing.
 *
 * A string is the path of a JSON file; an object is used as it is and never mutated. `$env` and
 * `$file` references are resolved first (relative `$file` paths against the configuration file's
 * directory, or `baseDir`); a static token read with `$file` loses one trailing newline. Then
 * the shape is validated and the checks a schema cannot express are run: every key of every
 * `permissions` block must be a registered full action name, the configuration's `actions` must
 * register cleanly alongside the built-ins and `options.actions`, and a `jwt` key must suit its
 * algorithms.
 *
 * @param source - the path of a JSON configuration file, or a configuration object.
 * @param options - `env`, `actions` and `baseDir` (see {@link LoadConfigOptions}).
 * @returns a deep-frozen copy of the configuration, secrets resolved. Printing it
 * (`console.log`, `util.inspect`) shows the secrets as `"[redacted]"`; reading its keys gives the
 * real values.
 * @throws ConfigError (`ERR_CONFIG_INVALID`) listing every problem found, each as
 * `{ path, message }` with a dotted JSON path from the root, such as
 * `databases.docs.tables.documents.allow: must be true, false, null or an object such as
 * {"id": "root"}; got the string "root"`; for a file, `source` names it. Secret values are never
 * quoted.
 * @throws TypeError when `source` is neither a string nor an object, or `options.actions`
 * conflict among themselves or with the built-ins (a programming error, not a configuration
 * one).
 * @example
 * ```ts
 * const config = loadConfig('./metadata.json', { env: process.env })
 * const gate = createGate(config)
 * ```
 */
export function loadConfig(source: string | object, options: LoadConfigOptions = {}): TokengateConfig {
  checkOptionNames(options, ['env', 'actions', 'baseDir'], 'loadConfig')
  const optionActions = options.actions ?? []
  if (!Array.isArray(optionActions)) {
    throw new TypeError('loadConfig: "actions" option must be an array of actions made with defineAction()')
  }
  let raw: unknown
  let file: string | undefined
  if (typeof source === 'string') {
    file = source
    raw = readConfigFile(source)
  } else if (typeof source === 'object' && source !== null) {
    raw = source
  } else {
    throw new TypeError(`loadConfig expects a configuration file path or a configuration object, got ${source === null ? 'null' : typeof source}`)
  }
  const errorOptions = file === undefined ? {} : { source: file }
  const baseDir = options.baseDir ?? (file === undefined ? process.cwd() : dirname(resolve(file)))

  const resolved = resolveSecretsDetailed(raw, { env: options.env, baseDir })
  if (resolved.problems.length > 0) throw new ConfigError(resolved.problems, errorOptions)
  const config = resolved.value
  trimFileTokens(config, resolved.origins)

  const problems = schemaProblems(config, resolved.origins)
  if (isPlainObject(config)) {
    const known = checkActions(config, optionActions, problems)
    checkPermissionNames(config, known, problems)
    checkJwt(config, problems)
    checkStaticActors(config, problems)
    checkAllowBlocksOnRestrictions(config, problems)
  }
  if (problems.length > 0) throw new ConfigError(problems, errorOptions)
  return deepFreeze(attachRedactedView(config as TokengateConfig, resolved.origins))
}
