/**
 * The JSON Schema of a tokengate configuration (SPEC sections 2 rule 8, 3, 4 and 6), and the
 * validator compiled from it with Ajv, once, at first use.
 *
 * The schema accepts Datasette's metadata.json unchanged: unknown keys are allowed at the top
 * level and in databases, tables, queries, settings and plugins (Datasette's `title`,
 * `license`, `facets`, `sort`, `label_column`, …), while every key tokengate knows is typed
 * strictly. It also owns the translation of Ajv's errors into the `{ path, message }` problems
 * of {@link ConfigError}: a dotted path from the root and a sentence saying what was found and
 * what is expected. Values that are or may be secrets, by their position in the schema
 * ({@link isSecretPosition}), are never quoted.
 *
 * What the schema cannot express (action names, the action registry, JWT key/algorithm pairs)
 * is checked by `load-config.ts`.
 *
 * @module
 * @internal
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { type PathSegment, formatPath } from '../internal/json-path.js'
import type { ConfigProblem, SecretOrigin } from './secrets.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { closest } from '../internal/closest.js'

/** Every algorithm the `jwt.algorithms` list accepts. @internal */
export const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const

/**
 * The JSON Schema (draft-07) of a configuration after `$env`/`$file` references are resolved.
 * The `definitions` names are part of the error translation below; rename them together.
 * @internal
 */
export const CONFIG_SCHEMA = {
  $id: 'https://tokengate.dev/schemas/config.json',
  title: 'tokengate configuration (a Datasette metadata.json plus tokengate keys)',
  type: 'object',
  definitions: {
    /** true / false / null / an object; the numbers 1 and 0 mean true and false. */
    allowBlock: {
      type: ['boolean', 'null', 'object', 'number'],
      additionalProperties: { $ref: '#/definitions/allowValue' },
      if: { type: 'number' },
      then: { enum: [0, 1] },
    },
    /** The value of one key of an allow block: a scalar or a list of scalars. */
    allowValue: {
      type: ['string', 'number', 'boolean', 'null', 'array'],
      items: { $ref: '#/definitions/allowListItem' },
    },
    allowListItem: { type: ['string', 'number', 'boolean', 'null'] },
    /** `permissions`: action name -> allow block (names are checked against the registry later). */
    permissions: {
      type: 'object',
      additionalProperties: { $ref: '#/definitions/allowBlock' },
    },
    table: {
      type: 'object',
      properties: {
        allow: { $ref: '#/definitions/allowBlock' },
        permissions: { $ref: '#/definitions/permissions' },
      },
    },
    query: {
      type: ['string', 'object'],
      properties: {
        sql: { type: 'string' },
        allow: { $ref: '#/definitions/allowBlock' },
        permissions: { $ref: '#/definitions/permissions' },
      },
    },
    database: {
      type: 'object',
      properties: {
        allow: { $ref: '#/definitions/allowBlock' },
        allow_sql: { $ref: '#/definitions/allowBlock' },
        permissions: { $ref: '#/definitions/permissions' },
        tables: { type: 'object', additionalProperties: { $ref: '#/definitions/table' } },
        queries: { type: 'object', additionalProperties: { $ref: '#/definitions/query' } },
      },
    },
    action: {
      type: 'object',
      required: ['scope'],
      additionalProperties: false,
      properties: {
        abbr: { type: ['string', 'null'], minLength: 1 },
        scope: { enum: ['instance', 'database', 'resource'] },
        default: { type: 'boolean' },
        also_requires: { type: ['string', 'null'], minLength: 1 },
        description: { type: 'string' },
      },
    },
    staticToken: {
      type: 'object',
      required: ['token', 'actor'],
      additionalProperties: false,
      properties: {
        token: { type: 'string', minLength: 1 },
        actor: { type: 'object' },
      },
    },
    staticTokens: { type: 'array', items: { $ref: '#/definitions/staticToken' } },
    nonEmptyString: { type: 'string', minLength: 1 },
    stringOrStrings: {
      type: ['string', 'array'],
      minLength: 1,
      minItems: 1,
      items: { $ref: '#/definitions/nonEmptyString' },
    },
  },
  properties: {
    allow: { $ref: '#/definitions/allowBlock' },
    allow_sql: { $ref: '#/definitions/allowBlock' },
    permissions: { $ref: '#/definitions/permissions' },
    databases: { type: 'object', additionalProperties: { $ref: '#/definitions/database' } },
    settings: {
      type: 'object',
      properties: {
        default_deny: { type: 'boolean' },
        default_allow_sql: { type: 'boolean' },
        allow_signed_tokens: { type: 'boolean' },
        max_signed_tokens_ttl: { type: 'integer', minimum: 0 },
        signed_tokens_clock_skew: { type: 'integer', minimum: 0 },
      },
    },
    actions: { type: 'object', additionalProperties: { $ref: '#/definitions/action' } },
    secret: { $ref: '#/definitions/stringOrStrings' },
    tokens: { $ref: '#/definitions/staticTokens' },
    tokens_file: { $ref: '#/definitions/nonEmptyString' },
    token_store: { $ref: '#/definitions/nonEmptyString' },
    jwt: {
      type: 'object',
      required: ['algorithms'],
      additionalProperties: false,
      properties: {
        algorithms: { type: 'array', minItems: 1, items: { enum: JWT_ALGORITHMS } },
        secret: { $ref: '#/definitions/nonEmptyString' },
        public_key: { $ref: '#/definitions/nonEmptyString' },
        issuer: { $ref: '#/definitions/stringOrStrings' },
        audience: { $ref: '#/definitions/stringOrStrings' },
        actor_claim: { $ref: '#/definitions/nonEmptyString' },
        actor_id_key: { $ref: '#/definitions/nonEmptyString' },
        clock_tolerance: { type: 'number', minimum: 0 },
        jwks_uri: { $ref: '#/definitions/nonEmptyString' },
        jwks_requests_per_minute: { type: 'integer', minimum: 1 },
        jwks_cache_max_age: { type: 'number', exclusiveMinimum: 0 },
        jwks_timeout: { type: 'number', exclusiveMinimum: 0 },
        scope_claim: { $ref: '#/definitions/nonEmptyString' },
        scope_map: {
          type: 'object',
          additionalProperties: {
            type: ['string', 'array'],
            minLength: 1,
            minItems: 1,
            items: { $ref: '#/definitions/nonEmptyString' },
          },
        },
      },
    },
    plugins: {
      type: 'object',
      properties: {
        'datasette-auth-tokens': {
          type: ['array', 'object'],
          items: { $ref: '#/definitions/staticToken' },
          properties: {
            tokens: { $ref: '#/definitions/staticTokens' },
            param: { $ref: '#/definitions/nonEmptyString' },
          },
        },
      },
    },
  },
} as const

let compiled: ValidateFunction | undefined

/** The validator, compiled at first use and cached for the life of the process. */
function validator(): ValidateFunction {
  compiled ??= new Ajv({
    allErrors: true,
    // strict mode catches mistakes in the schema itself; union types are deliberate here.
    strict: true,
    allowUnionTypes: true,
    // parentSchema and data on each error, for the messages below (allowed keys, the value).
    verbose: true,
    coerceTypes: false,
    useDefaults: false,
  }).compile(CONFIG_SCHEMA)
  return compiled
}

// ---------------------------------------------------------------------------------------------
// Describing values and expectations


/**
 * The keys of the `jwt` block whose values are not secrets; every other value there may be one.
 * `jwks_uri` is not among them: like `token_store`, a URL may carry a password.
 */
const JWT_PUBLIC_KEYS: ReadonlySet<PathSegment> = new Set([
  'algorithms',
  'issuer',
  'audience',
  'actor_claim',
  'actor_id_key',
  'clock_tolerance',
  'jwks_requests_per_minute',
  'jwks_cache_max_age',
  'jwks_timeout',
  'scope_claim',
  'scope_map',
])

/**
 * Where a static token entry sits in `segments`: the index of the segment after the entry's
 * path (`tokens[i]`, `plugins.datasette-auth-tokens[i]`, `plugins.datasette-auth-tokens.tokens[i]`),
 * or -1 when `segments` is not inside a static token list. A list itself (`tokens`) gives the
 * length of its own path with `list: true`.
 */
function staticTokenPosition(segments: readonly PathSegment[]): { list: boolean; after: number } | null {
  const [first, second, third] = segments
  let listEnd: number
  if (first === 'tokens') listEnd = 1
  else if (first === 'plugins' && second === 'datasette-auth-tokens') listEnd = third === 'tokens' ? 3 : 2
  else return null
  if (segments.length <= listEnd) return { list: true, after: segments.length }
  return { list: false, after: listEnd + 1 }
}

/**
 * Whether the value at this path is, or may be, a secret, judged by its position in the schema
 * and never by a key name: the static token lists (tokengate's `tokens` and both
 * datasette-auth-tokens forms) and everything in them but an entry's `actor`, wherever a token may
 * have been written instead of an entry; the `dstok_` `secret`; the `token_store` URL (a
 * PostgreSQL URL may carry a password); and the `jwt` block's keys (its `secret`, `public_key`,
 * `jwks_uri`, a misspelt key, the block itself) except those known to be public.
 * Values resolved from `$env` or `$file` are never quoted either (see {@link describeValue}).
 * @internal
 */
export function isSecretPosition(segments: readonly PathSegment[]): boolean {
  const [first, second] = segments
  if (first === 'secret' || first === 'token_store') return true
  if (first === 'jwt') return segments.length === 1 || !JWT_PUBLIC_KEYS.has(second as PathSegment)
  if (first === 'plugins' && second === 'datasette-auth-tokens' && segments[2] === 'param') return false
  const position = staticTokenPosition(segments)
  if (position === null) return false
  // Inside an entry, only the actor is no secret: its values are an actor's, shown as usual.
  return position.list || segments[position.after] !== 'actor'
}

/**
 * Whether the keys of the object at this path may be secrets: a static token entry, where a
 * token written as a key (`{"<token>": {"id": "bot"}}`) must not be named in an unknown-key
 * message.
 */
function hidesKeyNames(segments: readonly PathSegment[]): boolean {
  const position = staticTokenPosition(segments)
  return position !== null && !position.list && segments.length === position.after
}

function originNote(origin: SecretOrigin | undefined): string {
  if (origin === undefined) return ''
  return origin.kind === 'env'
    ? ` (from the environment variable ${origin.name})`
    : ` (from the file ${JSON.stringify(origin.file)})`
}

/**
 * How a found value reads in a message: `the string "root"`, `the number 2`, `a list`. A value
 * that may be a secret is described by its type only.
 * @internal
 */
export function describeValue(value: unknown, secret: boolean, origin?: SecretOrigin): string {
  const note = originNote(origin)
  if (value === null) return 'null'
  if (Array.isArray(value)) return (value.length === 0 ? 'an empty list' : 'a list') + note
  switch (typeof value) {
    case 'string': {
      if (secret || origin !== undefined) return `a string${note}`
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value
      return `the string ${JSON.stringify(shown)}`
    }
    case 'number':
      return secret ? 'a number' : `the number ${String(value)}`
    case 'boolean':
      return secret ? 'a boolean' : String(value)
    case 'object':
      return `an object${note}`
    default:
      return typeof value
  }
}

const TYPE_WORDS: { readonly [type: string]: string } = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
}

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] ?? ''}`
}

function expectedTypes(type: unknown): string {
  const types = Array.isArray(type) ? type : [type]
  return orList(types.map((t) => TYPE_WORDS[String(t)] ?? String(t)))
}

const REQUIRED_HINTS: { readonly [key: string]: string } = {
  algorithms:
    'is required: list the algorithms to accept, such as ["HS256"]; they are never taken from the token',
  scope: 'is required: one of "instance", "database" or "resource"',
  token: 'is required: the secret token string',
  actor: 'is required: the actor this token stands for, such as {"id": "bot"}',
}

const ALLOW_EXPECTED = 'must be true, false, null or an object such as {"id": "root"}'

// ---------------------------------------------------------------------------------------------
// Translating Ajv errors

/** Turn an Ajv instance path (a JSON pointer) into keys and indices, using the data for indices. */
function pointerSegments(pointer: string, root: unknown): PathSegment[] {
  if (pointer === '') return []
  const segments: PathSegment[] = []
  let node: unknown = root
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(node)) {
      const index = Number(key)
      segments.push(index)
      node = node[index]
    } else {
      segments.push(key)
      node = isPlainObject(node) ? node[key] : undefined
    }
  }
  return segments
}

const DEFINITION_NAMES = new Map<unknown, string>([
  ...Object.entries(CONFIG_SCHEMA.definitions).map(([name, schema]): [unknown, string] => [schema, name]),
  [CONFIG_SCHEMA.definitions.allowBlock.then, 'allowBlock'],
])

/**
 * The `definitions` entry whose own keyword failed (a `type` directly on `allowBlock` gives
 * `allowBlock`), or `undefined` for a keyword of any other schema. Ajv hands back the very
 * schema object (`verbose: true`), so identity is exact whether or not Ajv inlined the `$ref`.
 */
function definitionOf(error: ErrorObject): string | undefined {
  return DEFINITION_NAMES.get(error.parentSchema)
}

function param(error: ErrorObject, name: string): unknown {
  return (error.params as { readonly [key: string]: unknown })[name]
}

function typeMessage(error: ErrorObject, found: string): string {
  switch (definitionOf(error)) {
    case 'allowBlock':
      return `${ALLOW_EXPECTED}; got ${found}`
    case 'allowValue':
      return `must be a string, number, true, false, null or a list of those; got ${found}, which can never match an actor`
    case 'allowListItem':
      return `must be a string, number, true, false or null; got ${found}, which can never match an actor`
    case 'query':
      return `must be a SQL string or an object with "sql", "allow" and "permissions"; got ${found}`
    case 'staticToken':
      return `must be an object with "token" and "actor", such as {"token": {"$env": "BOT_TOKEN"}, "actor": {"id": "bot"}}; got ${found}`
    default:
      return `must be ${expectedTypes(param(error, 'type'))}; got ${found}`
  }
}

function translate(
  error: ErrorObject,
  segments: PathSegment[],
  origins: ReadonlyMap<string, SecretOrigin>,
): ConfigProblem | undefined {
  const path = formatPath(segments)
  const found = describeValue(error.data, isSecretPosition(segments), origins.get(path))
  switch (error.keyword) {
    case 'if':
      // Reported by the `then` branch's own error.
      return undefined
    case 'type':
      return { path, message: typeMessage(error, found) }
    case 'enum': {
      if (definitionOf(error) === 'allowBlock') {
        return { path, message: `${ALLOW_EXPECTED}; got ${found} (the only numbers accepted are 1 and 0, meaning true and false)` }
      }
      const allowed = (param(error, 'allowedValues') as readonly unknown[]).map((v) => JSON.stringify(v))
      return { path, message: `must be one of ${orList(allowed)}; got ${found}` }
    }
    case 'required': {
      const missing = String(param(error, 'missingProperty'))
      return { path: formatPath([...segments, missing]), message: REQUIRED_HINTS[missing] ?? 'is required' }
    }
    case 'additionalProperties': {
      const extra = String(param(error, 'additionalProperty'))
      const properties = error.parentSchema?.['properties'] as { readonly [key: string]: unknown } | undefined
      const allowed = Object.keys(properties ?? {})
      const guess = closest(extra, allowed)
      if (hidesKeyNames(segments)) {
        return {
          path,
          message:
            'has an unknown key, not named here because a token may have been written as a key' +
            (guess === undefined ? '' : ` (did you mean ${JSON.stringify(guess)}?)`) +
            `; allowed keys are ${allowed.map((k) => JSON.stringify(k)).join(', ')}`,
        }
      }
      return {
        path: formatPath([...segments, extra]),
        message:
          `unknown key ${JSON.stringify(extra)}` +
          (guess === undefined ? '' : ` (did you mean ${JSON.stringify(guess)}?)`) +
          `; allowed keys are ${allowed.map((k) => JSON.stringify(k)).join(', ')}`,
      }
    }
    case 'minLength':
      return { path, message: 'must not be an empty string' }
    case 'minItems':
      return { path, message: 'must not be an empty list' }
    case 'minimum':
      return { path, message: `must be at least ${String(param(error, 'limit'))}; got ${found}` }
    case 'exclusiveMinimum':
      return { path, message: `must be more than ${String(param(error, 'limit'))}; got ${found}` }
    default:
      // Every keyword the schema uses is handled above; this keeps an unforeseen one readable.
      return { path, message: `${error.message ?? 'is invalid'}; got ${found}` }
  }
}

/**
 * Validate a configuration (secrets already resolved) against {@link CONFIG_SCHEMA} and return
 * every problem, translated into sentences, in document order; empty when the shape is valid.
 *
 * @param config - the resolved configuration.
 * @param origins - where resolved secret values came from, so messages never quote them.
 * @internal
 */
export function schemaProblems(config: unknown, origins: ReadonlyMap<string, SecretOrigin> = new Map()): ConfigProblem[] {
  const validate = validator()
  if (validate(config)) return []
  const problems: ConfigProblem[] = []
  const seen = new Set<string>()
  for (const error of validate.errors ?? []) {
    const problem = translate(error, pointerSegments(error.instancePath, config), origins)
    if (problem === undefined) continue
    const key = `${problem.path}\u0000${problem.message}`
    if (seen.has(key)) continue
    seen.add(key)
    problems.push(problem)
  }
  return problems
}
