/**
 * Secret references in a configuration (SPEC section 6, "Secrets"): `{"$env": NAME}` becomes
 * the value of an environment variable, `{"$file": PATH}` the contents of a file.
 *
 * This module owns {@link resolveSecrets} (public), the origin-tracking variant the loader uses
 * to know which values came from a file (internal), and the JSON-path formatting every
 * configuration problem uses (internal), so that a problem's path reads the same whether it
 * came from secrets, the schema or a semantic check.
 *
 * Deliberate difference from Datasette: a reference that cannot be resolved (an unset variable,
 * a missing or unreadable file) is a {@link ConfigError} at start-up, not a 500 on the first
 * request.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { ConfigError } from '../errors.js'
import { type PathSegment, formatPath } from '../internal/json-path.js'
import { unsetVariableMessage } from '../internal/environment.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { checkOptionNames } from '../internal/options.js'

/** One configuration problem, as {@link ConfigError} lists them. @internal */
export interface ConfigProblem {
  path: string
  message: string
}

/** Options of {@link resolveSecrets}. */
export interface ResolveSecretsOptions {
  /**
   * Where `$env` references are looked up. It replaces `process.env`, it is not merged with it: a
   * variable missing from this object is unset even when the process has it, and the error says
   * it was looked for "in the env option".
   * @defaultValue `process.env`
   */
  env?: Readonly<Record<string, string | undefined>> | undefined
  /**
   * The directory relative `$file` paths resolve against. {@link loadConfig} passes the
   * configuration file's directory.
   * @defaultValue `process.cwd()`
   */
  baseDir?: string | undefined
  /**
   * The JSON path of `value` inside a larger configuration, used as the prefix of the paths in
   * error messages (such as `plugins.datasette-auth-tokens`).
   * @defaultValue the root
   */
  path?: string | undefined
}

/** Where a resolved value came from. @internal */
export type SecretOrigin =
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'file'; readonly file: string }

/** What {@link resolveSecretsDetailed} returns. @internal */
export interface ResolvedSecrets {
  /** A deep copy of the input with every reference replaced (or left as it was, on a problem). */
  value: unknown
  /** The formatted JSON path of every replaced reference, with where its value came from. */
  origins: Map<string, SecretOrigin>
  /** Every reference that could not be resolved; empty on success. */
  problems: ConfigProblem[]
}


/** The single key of an object, or `undefined` when it has none or several. */
function onlyKey(value: { readonly [key: string]: unknown }): string | undefined {
  const keys = Object.keys(value)
  return keys.length === 1 ? keys[0] : undefined
}

function readEnv(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  // An own-property check, so that a plain object passed as `env` never yields inherited
  // members such as `toString`.
  if (!Object.prototype.hasOwnProperty.call(env, name)) return undefined
  const value = env[name]
  return typeof value === 'string' ? value : undefined
}

function fileProblem(file: string, absolute: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  const where = isAbsolute(file) ? '' : ` (looked for ${absolute})`
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `file ${JSON.stringify(file)} does not exist${where}; create it or fix the path`
    case 'EISDIR':
      return `${JSON.stringify(file)} is a directory${where}; point "$file" at a file`
    case 'EACCES':
    case 'EPERM':
      return `file ${JSON.stringify(file)} cannot be read: permission denied${where}; make it readable by this process or remove the reference`
    default:
      return `file ${JSON.stringify(file)} cannot be read (${typeof code === 'string' ? code : 'unknown error'})${where}; check the file or remove the reference`
  }
}

/**
 * Resolve every secret reference in a value and report where each came from, collecting every
 * problem instead of stopping at the first. {@link loadConfig} uses it to strip one trailing
 * newline from static tokens read with `$file`.
 *
 * @param value - any JSON value; it is not mutated.
 * @param options - see {@link ResolveSecretsOptions}.
 * @internal
 */
export function resolveSecretsDetailed(value: unknown, options: ResolveSecretsOptions = {}): ResolvedSecrets {
  const env = options.env ?? process.env
  const baseDir = options.baseDir ?? process.cwd()
  const prefix = options.path ?? ''
  const origins = new Map<string, SecretOrigin>()
  const problems: ConfigProblem[] = []

  const visit = (node: unknown, segments: PathSegment[]): unknown => {
    if (Array.isArray(node)) return node.map((item: unknown, index) => visit(item, [...segments, index]))
    if (!isPlainObject(node)) return node
    const key = onlyKey(node)
    const reference = key === undefined ? undefined : node[key]
    if ((key === '$env' || key === '$file') && typeof reference === 'string') {
      const path = formatPath(segments, prefix)
      if (key === '$env') {
        if (reference === '') {
          problems.push({ path, message: '"$env" must name an environment variable; got an empty string' })
          return node
        }
        const resolved = readEnv(env, reference)
        if (resolved === undefined) {
          problems.push({ path, message: unsetVariableMessage(options.env, reference) })
          return node
        }
        origins.set(path, { kind: 'env', name: reference })
        return resolved
      }
      if (reference === '') {
        problems.push({ path, message: '"$file" must name a file; got an empty string' })
        return node
      }
      const absolute = resolve(baseDir, reference)
      try {
        const contents = readFileSync(absolute, 'utf8')
        origins.set(path, { kind: 'file', file: reference })
        return contents
      } catch (error) {
        problems.push({ path, message: fileProblem(reference, absolute, error) })
        return node
      }
    }
    // Object.fromEntries defines own properties, so a "__proto__" key stays an ordinary key.
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, [...segments, k])]))
  }

  return { value: visit(value, []), origins, problems }
}

/**
 * Return a deep copy of `value` with every secret reference resolved: an object whose only key
 * is `$env` (a string) becomes that environment variable's value, and an object whose only key
 * is `$file` (a string) becomes the file's contents read as UTF-8, verbatim (a trailing newline
 * is kept). Keys are case-sensitive (`$ENV` is an ordinary key); any other object, such as one
 * with a second key or a non-string reference, is copied as it is and searched for references
 * inside. The input is never mutated.
 *
 * @param value - any JSON value, typically a whole configuration or part of one.
 * @param options - where variables and relative files are looked up, and the JSON path of
 * `value` for error messages.
 * @returns the resolved copy.
 * @throws ConfigError (`ERR_CONFIG_INVALID`) listing every reference that names an unset
 * variable or a missing or unreadable file, each at the JSON path of the reference, such as
 * `plugins.datasette-auth-tokens[0].token: environment variable BOT_TOKEN is not set in the
 * environment; set it or remove the reference` (or `… is not set in the env option, …` when
 * `env` was given: the option replaces `process.env`). Messages never contain a resolved value.
 * @example
 * ```ts
 * const resolved = resolveSecrets(
 *   { tokens: [{ token: { $env: 'BOT_TOKEN' }, actor: { bot_id: 'my-bot' } }] },
 *   { env: { BOT_TOKEN: 'this-is-the-secret-token' } },
 * )
 * // { tokens: [{ token: 'this-is-the-secret-token', actor: { bot_id: 'my-bot' } }] }
 * ```
 */
export function resolveSecrets(value: unknown, options: ResolveSecretsOptions = {}): unknown {
  checkOptionNames(options, ['env', 'baseDir', 'path'], 'resolveSecrets')
  const result = resolveSecretsDetailed(value, options)
  if (result.problems.length > 0) throw new ConfigError(result.problems)
  return result.value
}
