/**
 * A configuration loaded for one CLI task, asking only for the `$env` variables that task uses.
 *
 * A server needs every variable its configuration names, and refuses to start without one. A
 * command such as `inspect TOKEN --config metadata.json` or `create-token --config
 * metadata.json` needs far fewer: inspecting a `dstok_` token needs the signing secret, not the
 * bot's static token (`BOT_TOKEN`). So a reference to an unset variable is dropped, with what it
 * configures, when the task does not use it, and reported (exit 2, naming the variable) when it
 * does:
 *
 * - an unresolvable static token (`tokens[i]`, datasette-auth-tokens' entries) is dropped, since
 *   no presented token can be compared with it; the caller is told which, for its messages;
 * - `secret` (or one of its entries) and the `jwt` block are dropped unless the task says it
 *   uses them;
 * - anything else (an allow block, a setting) is always used.
 *
 * Without unset variables this is exactly `loadConfig` of the file.
 *
 * @module
 * @internal
 */
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import type { TokengateConfig } from '../config/config-types.js'
import { loadConfig } from '../config/load-config.js'
import { ConfigError } from '../errors.js'
import { unsetVariableMessage } from '../internal/environment.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { type PathSegment, formatPath } from '../internal/json-path.js'

/** What a task may use of a configuration besides its rules. */
export type ConfigPart = 'secret' | 'jwt'

/** A configuration loaded for a task. */
export interface TaskConfig {
  /** The configuration, resolved and checked. */
  readonly config: TokengateConfig
  /**
   * A configuration object to hand `createGate`: the file's, without what was dropped, with
   * `tokens_file` made absolute (so it is found whatever the working directory).
   */
  readonly input: TokengateConfig
  /** The variables that were not set, with the path that named each, for messages. */
  readonly skipped: readonly { readonly path: string; readonly variable: string }[]
}

interface Unset {
  readonly segments: PathSegment[]
  readonly variable: string
}

/** Every `{"$env": NAME}` whose variable is unset, with its path. */
function unsetReferences(node: unknown, env: { readonly [name: string]: string | undefined }, segments: PathSegment[] = []): Unset[] {
  if (Array.isArray(node)) return node.flatMap((item: unknown, index) => unsetReferences(item, env, [...segments, index]))
  if (!isPlainObject(node)) return []
  const keys = Object.keys(node)
  const name = node['$env']
  if (keys.length === 1 && typeof name === 'string') {
    const value = Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined
    return typeof value === 'string' ? [] : [{ segments, variable: name }]
  }
  return Object.entries(node).flatMap(([key, value]) => unsetReferences(value, env, [...segments, key]))
}

/** The static token entry a path lies in (its list and index), or `null`. */
function staticEntry(segments: readonly PathSegment[]): { list: PathSegment[]; index: number } | null {
  const [first, second, third, fourth] = segments
  if (first === 'tokens' && typeof second === 'number') return { list: ['tokens'], index: second }
  if (first === 'plugins' && second === 'datasette-auth-tokens') {
    if (typeof third === 'number') return { list: ['plugins', 'datasette-auth-tokens'], index: third }
    if (third === 'tokens' && typeof fourth === 'number') return { list: ['plugins', 'datasette-auth-tokens', 'tokens'], index: fourth }
  }
  return null
}

function at(root: unknown, segments: readonly PathSegment[]): unknown {
  let node = root
  for (const segment of segments) node = (node as Record<string | number, unknown> | undefined)?.[segment]
  return node
}

/**
 * Load `path` for a task that uses `uses` (besides the rules, which every task uses).
 *
 * @param path - the configuration file, resolved against the CLI's working directory.
 * @param env - the CLI's environment.
 * @param uses - the parts the task needs: `secret` to sign or verify `dstok_` tokens, `jwt` to
 *   verify or sign JWTs.
 * @throws ConfigError naming the file, for a configuration that cannot be loaded, or with only
 *   the unset variables the task needs.
 * @internal
 */
export function loadTaskConfig(path: string, env: { readonly [name: string]: string | undefined }, uses: readonly ConfigPart[]): TaskConfig {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''))
  } catch {
    // Missing, unreadable or not JSON: loadConfig says so, naming the file.
    const config = loadConfig(path, { env })
    return { config, input: config, skipped: [] }
  }
  const unset = unsetReferences(raw, env)
  if (unset.length === 0 || !isPlainObject(raw)) {
    const config = loadConfig(path, { env })
    return { config, input: withAbsoluteTokensFile(config, path), skipped: [] }
  }

  const needed: Unset[] = []
  const dropEntries = new Map<string, { list: PathSegment[]; indexes: Set<number> }>()
  let dropSecret = false
  let dropJwt = false
  for (const reference of unset) {
    const [first] = reference.segments
    const entry = staticEntry(reference.segments)
    if (entry !== null) {
      const key = JSON.stringify(entry.list)
      const found = dropEntries.get(key) ?? { list: entry.list, indexes: new Set<number>() }
      found.indexes.add(entry.index)
      dropEntries.set(key, found)
    } else if (first === 'secret' && !uses.includes('secret')) dropSecret = true
    else if (first === 'jwt' && !uses.includes('jwt')) dropJwt = true
    else needed.push(reference)
  }
  if (needed.length > 0) {
    throw new ConfigError(
      needed.map(({ segments, variable }) => ({ path: formatPath(segments), message: unsetVariableMessage(env, variable) })),
      { source: path },
    )
  }

  // A deep copy to prune: the file's own JSON, so nothing is shared with anything else.
  const pruned = structuredClone(raw) as Record<string, unknown>
  for (const { list, indexes } of dropEntries.values()) {
    const entries = at(pruned, list)
    if (Array.isArray(entries)) {
      const kept = entries.filter((_entry: unknown, index) => !indexes.has(index))
      const parent = at(pruned, list.slice(0, -1)) as Record<string | number, unknown>
      parent[list.at(-1) as string] = kept
    }
  }
  if (dropSecret) delete pruned['secret']
  if (dropJwt) delete pruned['jwt']
  const baseDir = dirname(path)
  let config: TokengateConfig
  try {
    config = loadConfig(pruned, { env, baseDir })
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.problems, { source: path, cause: error.cause })
    throw error
  }
  return {
    config,
    input: withAbsoluteTokensFile(config, path),
    skipped: unset.map(({ segments, variable }) => ({ path: formatPath(segments), variable })),
  }
}

/** `tokens_file` is relative to the configuration file; a configuration object has no file. */
function withAbsoluteTokensFile(config: TokengateConfig, path: string): TokengateConfig {
  const file = config.tokens_file
  if (file === undefined || isAbsolute(file)) return config
  return { ...config, tokens_file: resolve(dirname(path), file) }
}
