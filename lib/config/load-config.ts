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
 *    every `permissions` key is a registered full action name, the JWT key suits its
 *    algorithms;
 * 6. deep-freeze and return.
 *
 * Loading is synchronous (`createGate` calls it) and all-or-nothing: any problem throws one
 * {@link ConfigError} listing every problem found, before anything is returned.
 *
 * @module
 */
import { createPublicKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, extname, resolve } from 'node:path'
import { ConfigError } from '../errors.js'
import { deepFreeze } from '../internal/deep-freeze.js'
import { type Action, BUILTIN_ACTIONS, ActionRegistry, defineAction } from '../permissions/actions.js'
import type { TokengateConfig } from './config-types.js'
import { closest, schemaProblems } from './schema.js'
import { type PathSegment, ROOT_PATH, formatPath } from '../internal/json-path.js'
import { type ConfigProblem, type SecretOrigin, resolveSecretsDetailed } from './secrets.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { lineAndColumn, locateJsonError } from '../internal/json-syntax-error.js'

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * Where `$env` references are looked up.
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

/** Who owns a name or abbreviation, for messages. */
interface Owner {
  action: Action
  origin: 'built-in' | 'option' | 'config'
}

function describeOwner({ action, origin }: Owner): string {
  const name = JSON.stringify(action.name)
  if (origin === 'built-in') return `the built-in action ${name}`
  if (origin === 'option') return `the action ${name} passed in the "actions" option`
  return `the action ${name} declared in "actions"`
}

/** What the action checks learned, for the `permissions` check that follows. */
interface KnownActions {
  /** Every registered full name. */
  names: Set<string>
  /** Abbreviation -> full name. */
  abbreviations: Map<string, string>
}

/**
 * Check the configuration's `actions` against the built-ins and the option's actions: valid
 * names and abbreviations, no collisions, also-requires naming a registered action, no cycles.
 * Problems go to `problems`, each at `actions.<name>`. A conflict among the option's own actions
 * is a programming error and throws a TypeError.
 */
function checkActions(
  config: JsonObject,
  optionActions: readonly Action[],
  problems: ConfigProblem[],
): KnownActions {
  const owners = new Map<string, Owner>()
  const take = (action: Action, origin: Owner['origin']): void => {
    owners.set(action.name, { action, origin })
    if (action.abbr !== null) owners.set(action.abbr, { action, origin })
  }
  for (const action of BUILTIN_ACTIONS) take(action, 'built-in')
  for (const action of optionActions) {
    for (const key of action.abbr === null ? [action.name] : [action.name, action.abbr]) {
      const owner = owners.get(key)
      if (owner !== undefined) {
        throw new TypeError(
          `Action "${action.name}" passed in the "actions" option cannot use "${key}": it is already the name or abbreviation of ${describeOwner(owner)}`,
        )
      }
    }
    take(action, 'option')
  }

  const declared = config['actions']
  const configActions: Action[] = []
  // With shape problems under `actions` (reported by the schema), the registry is not built.
  const actionsShapeValid = declared === undefined || (isPlainObject(declared) && !hasProblemUnder(problems, 'actions'))
  if (isPlainObject(declared) && actionsShapeValid) {
    for (const [name, spec] of Object.entries(declared)) {
      const path = formatPath(['actions', name])
      const init = spec as { abbr?: string | null; scope: Action['scope']; default?: boolean; also_requires?: string | null; description?: string }
      let action: Action
      try {
        defineAction({ name, scope: init.scope })
      } catch {
        problems.push({
          path,
          message: `${JSON.stringify(name)} is not a valid action name; use letters, digits, "-" and "_", starting with a letter or digit, such as "publish-post"`,
        })
        continue
      }
      try {
        action = defineAction({
          name,
          abbr: init.abbr,
          scope: init.scope,
          defaultAllow: init.default,
          alsoRequires: init.also_requires,
          description: init.description,
        })
      } catch {
        problems.push({
          path,
          message: `abbreviation ${JSON.stringify(init.abbr)} is not valid; use letters, digits, "-" and "_", starting with a letter or digit, such as "pp"`,
        })
        continue
      }
      const nameOwner = owners.get(action.name)
      const abbrOwner = action.abbr === null ? undefined : owners.get(action.abbr)
      if (nameOwner !== undefined) {
        const what = nameOwner.action.name === action.name ? 'the name' : 'the abbreviation'
        problems.push({
          path,
          message: `name ${JSON.stringify(action.name)} is already ${what} of ${describeOwner(nameOwner)}; choose another name`,
        })
        continue
      }
      if (abbrOwner !== undefined && action.abbr !== null) {
        const what = abbrOwner.action.name === action.abbr ? 'the name' : 'the abbreviation'
        problems.push({
          path,
          message: `abbreviation ${JSON.stringify(action.abbr)} is already ${what} of ${describeOwner(abbrOwner)}; choose another abbreviation`,
        })
        continue
      }
      take(action, 'config')
      configActions.push(action)
    }
  }

  const names = new Set<string>()
  const abbreviations = new Map<string, string>()
  for (const [key, { action }] of owners) {
    if (key === action.name) names.add(key)
    else abbreviations.set(key, action.name)
  }
  // A declared name that failed its own checks is still "known" for the permissions check:
  // its problem is already reported where it is declared.
  if (isPlainObject(declared)) for (const name of Object.keys(declared)) names.add(name)

  const known = { names, abbreviations }
  if (!actionsShapeValid) return known

  // also_requires, once every name is known. A declared action that failed its own checks is
  // not reported again here.
  let requiresProblem = false
  for (const action of configActions) {
    const required = action.alsoRequires
    if (required === null || owners.get(required)?.action.name === required) continue
    if (isPlainObject(declared) && Object.prototype.hasOwnProperty.call(declared, required)) continue
    requiresProblem = true
    problems.push({
      path: formatPath(['actions', action.name]),
      message: `also_requires names an ${unknownActionMessage(required, known)}`,
    })
  }
  if (requiresProblem) return known
  const inReportedCycle = new Set<string>()
  for (const action of configActions) {
    if (inReportedCycle.has(action.name)) continue
    const chain = [action.name]
    let next = action.alsoRequires
    while (next !== null && !chain.includes(next)) {
      chain.push(next)
      next = owners.get(next)?.action.alsoRequires ?? null
    }
    if (next === action.name) {
      // One problem per cycle, at the first of its actions in declaration order.
      for (const name of chain) inReportedCycle.add(name)
      requiresProblem = true
      problems.push({
        path: formatPath(['actions', action.name]),
        message: `also_requires makes a cycle (${[...chain, action.name].join(' → ')}); remove one of the links`,
      })
    }
  }
  if (requiresProblem || problems.length > 0) return known
  // Everything the configuration declares checks out, so a failure left here can only come
  // from the option's actions (such as an also-requires naming nothing): a programming error.
  new ActionRegistry([...optionActions, ...configActions])
  return known
}

/**
 * The sentence for a name that is not a registered full action name: an abbreviation gets its
 * full name, a near miss gets a suggestion.
 */
function unknownActionMessage(name: string, known: KnownActions): string {
  const full = known.abbreviations.get(name)
  if (full !== undefined) {
    return `unknown action ${JSON.stringify(name)}; it is an abbreviation: use the full name ${JSON.stringify(full)}`
  }
  const guess = closest(name, known.names)
  return guess === undefined
    ? `unknown action ${JSON.stringify(name)}; declare it in "actions" or pass it in the "actions" option`
    : `unknown action ${JSON.stringify(name)}; did you mean ${JSON.stringify(guess)}?`
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

/** HS256/384/512 verify with a shared secret; every other algorithm with a public key. */
function isHmac(algorithm: string): boolean {
  return algorithm.startsWith('HS')
}

function checkJwt(config: JsonObject, problems: ConfigProblem[]): void {
  const jwt = config['jwt']
  if (!isPlainObject(jwt) || hasProblemUnder(problems, 'jwt')) return
  const algorithms = jwt['algorithms'] as readonly string[]
  const hasSecret = jwt['secret'] !== undefined
  const hasPublicKey = jwt['public_key'] !== undefined
  // The schema names EdDSA (it is a JOSE algorithm), but jsonwebtoken 9 cannot verify it: refuse
  // it here, with its path, rather than when the gate builds its JWT source.
  const eddsa = algorithms.indexOf('EdDSA')
  if (eddsa !== -1) {
    problems.push({
      path: formatPath(['jwt', 'algorithms', eddsa]),
      message: 'EdDSA is not supported (jsonwebtoken 9 cannot verify it); use ES256, RS256 or PS256',
    })
    return
  }
  const hmac = algorithms.filter(isHmac)
  const asymmetric = algorithms.filter((a) => !isHmac(a))
  if (hasSecret && hasPublicKey) {
    problems.push({
      path: 'jwt',
      message: 'set either "secret" (for HS256, HS384, HS512) or "public_key" (for RS*, PS*, ES*), not both',
    })
  } else if (!hasSecret && !hasPublicKey) {
    problems.push({
      path: 'jwt',
      message: 'needs a key: "secret" for HS256, HS384, HS512, or "public_key" (PEM) for RS*, PS*, ES*',
    })
  } else if (hmac.length > 0 && asymmetric.length > 0) {
    problems.push({
      path: 'jwt.algorithms',
      message: `mixes HMAC (${hmac.join(', ')}) and public-key (${asymmetric.join(', ')}) algorithms; one key cannot verify both, so list one family`,
    })
  } else if (hasSecret && asymmetric.length > 0) {
    problems.push({
      path: 'jwt.secret',
      message: `is for HMAC algorithms (HS256, HS384, HS512), but jwt.algorithms lists ${asymmetric.join(', ')}; set "public_key" to a PEM public key instead`,
    })
  } else if (hasPublicKey && hmac.length > 0) {
    problems.push({
      path: 'jwt.public_key',
      message: `is for RS*, PS*, ES* algorithms, but jwt.algorithms lists ${hmac.join(', ')}; set "secret" instead`,
    })
  } else if (hasPublicKey) {
    try {
      createPublicKey(jwt['public_key'] as string)
    } catch {
      problems.push({
        path: 'jwt.public_key',
        message: 'is not a valid PEM public key (such as "-----BEGIN PUBLIC KEY-----\\n…"); check the key or the file it is read from',
      })
    }
  }
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
 * @returns a deep-frozen copy of the configuration, secrets resolved.
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
  }
  if (problems.length > 0) throw new ConfigError(problems, errorOptions)
  return deepFreeze(config as TokengateConfig)
}
