/**
 * Static tokens (SPEC section 6, "Static tokens"): a configured secret stands for a configured
 * actor, as in datasette-auth-tokens. (A gate gathers them from its configuration in
 * `sources-from-config.ts`.)
 *
 * Lookups are by hash: the source keeps a map from SHA-256(token) to the actor, so a presented
 * token is never compared with a configured secret character by character, and a comparison
 * never exits early on a matching prefix.
 *
 * @module
 */
import type { StaticTokenConfig } from '../config/config-types.js'
import { restrictionsProblem } from '../permissions/restrictions.js'
import type { Actor, TokenContext, TokenSource, TokenSourceResult } from '../types.js'
import { buildActor } from '../internal/actor.js'
import { deepFreeze } from '../internal/deep-freeze.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { checkOptionNames } from '../internal/options.js'
import { tokenDigest } from '../internal/token-digest.js'

/** What {@link staticTokenSource} takes besides the tokens. */
export interface StaticTokenSourceOptions {
  /**
   * The source's name, for logs and explanations.
   * @defaultValue `"static"`
   */
  name?: string | undefined
}

/** The static token source: a {@link TokenSource} whose `verify` is synchronous. */
export interface StaticTokenSource extends TokenSource {
  /**
   * The configured actor for a token (the same frozen answer every time), or `null` when the
   * token is not one of the configured ones. The context's `digest` is the lookup key; without a
   * context the token is hashed here.
   */
  verify(token: string, context?: TokenContext): TokenSourceResult | null
}


function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value
}

/**
 * Why one configured entry is not a usable static token, as `[key, problem]`, or `null` when it
 * is usable. Never quotes the token value.
 */
function entryProblem(entry: unknown): [key: string | null, problem: string] | null {
  if (!isPlainObject(entry)) {
    return [null, `must be an object such as {"token": "…", "actor": {"id": "bot"}}, got ${describe(entry)}`]
  }
  const token = entry['token']
  if (typeof token !== 'string') return ['token', `must be a string, got ${describe(token)}`]
  if (token === '') return ['token', 'must not be empty: an empty token would never be presented']
  const actor = entry['actor']
  if (!isPlainObject(actor)) return ['actor', `must be an object such as {"id": "bot"}, got ${describe(actor)}`]
  if ('_r' in actor) {
    const problem = restrictionsProblem(actor['_r'])
    if (problem !== null) return ['actor', problem]
  }
  return null
}



/**
 * A token source for static tokens: each configured secret stands for its configured actor.
 *
 * The source precomputes a map from SHA-256(token) to a frozen deep copy of the actor, so
 * `verify` hashes the presented token and looks the digest up: no comparison on the secret
 * itself. When several entries share a token value, the first in configuration order wins.
 * `verify` returns the configured actor as configured (the same frozen object on every call,
 * with no keys added) or `null` when the token is not one of these ("not mine": the gate
 * decides what an unclaimed token means).
 *
 * @param tokens - the static tokens, in configuration order (see {@link staticTokensFromConfig}).
 * @param options - the source's name.
 * @returns a {@link StaticTokenSource} named `static` (or `options.name`).
 * @throws TypeError when an entry is not an object, its token is not a non-empty string, its
 *   actor is not an object, or its actor's `_r` is malformed. The message names the entry's
 *   index and never contains the token.
 * @example
 * ```ts
 * const source = staticTokenSource([{ token: process.env.BOT_TOKEN!, actor: { bot_id: 'my-bot' } }])
 * source.verify(process.env.BOT_TOKEN!) // { actor: { bot_id: 'my-bot' } }
 * source.verify('something else')      // null
 * ```
 */
export function staticTokenSource(
  tokens: readonly StaticTokenConfig[],
  options: StaticTokenSourceOptions = {},
): StaticTokenSource {
  if (!Array.isArray(tokens)) {
    throw new TypeError(`staticTokenSource expects a list of {"token", "actor"} entries, got ${describe(tokens)}`)
  }
  checkOptionNames(options, ['name'], 'staticTokenSource')
  const name = options.name ?? 'static'
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`"name" option must be a non-empty string, got ${JSON.stringify(name)}`)
  }
  const byDigest = new Map<string, TokenSourceResult>()
  tokens.forEach((entry: unknown, index) => {
    const found = entryProblem(entry)
    if (found !== null) {
      const [key, problem] = found
      throw new TypeError(`Static token at index ${index}: ${key === null ? 'the entry' : `"${key}"`} ${problem}`)
    }
    const { token, actor } = entry as StaticTokenConfig
    const key = tokenDigest(token)
    if (byDigest.has(key)) return // the first entry with this value wins
    // A copy of own data properties ("__proto__" stays a key), bounded, frozen all the way down.
    const built = buildActor(actor)
    if (!built.ok) throw new TypeError(`Static token at index ${index}: "actor" ${built.problem}`)
    const copy: Actor = deepFreeze(built.actor)
    byDigest.set(key, Object.freeze({ actor: copy }))
  })

  return {
    name,
    verify(token: string, context?: TokenContext): TokenSourceResult | null {
      if (typeof token !== 'string' || token === '') return null
      return byDigest.get(context?.digest ?? tokenDigest(token)) ?? null
    },
  }
}
