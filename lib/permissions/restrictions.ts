/**
 * Token restrictions (`_r`, SPEC section 5): validating them, the restriction gate
 * ({@link restrictionsAllow}), and writing them compactly for a new token
 * ({@link compactRestrictions}, {@link RestrictionsBuilder}).
 *
 * The gate only removes: a check's final result is the base decision AND the gate, so a
 * restricted token never exceeds what its actor may do.
 *
 * @module
 */
import type { CheckTarget, Restrictions } from '../types.js'
import { type Action, ActionRegistry } from './actions.js'
import { isPlainObject } from '../internal/is-plain-object.js'

const DEFAULT_REGISTRY = new ActionRegistry()


function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

/**
 * The most grants (action names in the lists of `a`, `d` and `r`, counted together) one `_r`
 * may carry. A token with more is refused (401 `invalid_restrictions`): it bounds the memory a
 * cached token takes and the work of compiling it. Datasette has no such limit; real tokens
 * carry a few dozen grants, a few hundred at most.
 * @internal
 */
export const MAX_RESTRICTION_GRANTS = 10_000

/**
 * Why a value is not a well-formed `_r` object, or `null` when it is. Well-formed: a plain
 * object with only the keys `a` (a list of strings), `d` (an object of lists of strings) and `r`
 * (an object of objects of lists of strings), with at most {@link MAX_RESTRICTION_GRANTS} names
 * in its lists.
 */
export function restrictionsProblem(value: unknown): string | null {
  const problem = shapeProblem(value)
  if (problem !== null) return problem
  const count = grantCount(value as Restrictions)
  return count > MAX_RESTRICTION_GRANTS ? `_r has ${count} grants; a token may carry at most ${MAX_RESTRICTION_GRANTS}` : null
}

/** How many action names the lists of a well-formed `_r` hold, all together. @internal */
export function grantCount(value: Restrictions): number {
  let count = value.a?.length ?? 0
  for (const list of Object.values(value.d ?? {})) count += list.length
  for (const children of Object.values(value.r ?? {})) for (const list of Object.values(children)) count += list.length
  return count
}

function shapeProblem(value: unknown): string | null {
  if (!isPlainObject(value)) return `_r must be an object, got ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}`
  for (const key of Object.keys(value)) {
    if (key !== 'a' && key !== 'd' && key !== 'r') return `_r has an unknown key ${JSON.stringify(key)}; only "a", "d" and "r" are allowed`
  }
  if ('a' in value && !isStringList(value['a'])) return '_r.a must be a list of action names'
  if ('d' in value) {
    const d = value['d']
    if (!isPlainObject(d)) return '_r.d must be an object of database name to a list of action names'
    for (const [db, actions] of Object.entries(d)) {
      if (!isStringList(actions)) return `_r.d.${db} must be a list of action names`
    }
  }
  if ('r' in value) {
    const r = value['r']
    if (!isPlainObject(r)) return '_r.r must be an object of database name to an object of resource name to a list of action names'
    for (const [db, children] of Object.entries(r)) {
      if (!isPlainObject(children)) return `_r.r.${db} must be an object of resource name to a list of action names`
      for (const [child, actions] of Object.entries(children)) {
        if (!isStringList(actions)) return `_r.r.${db}.${child} must be a list of action names`
      }
    }
  }
  return null
}

/** Whether a value is a well-formed `_r` object. */
export function isRestrictions(value: unknown): value is Restrictions {
  return restrictionsProblem(value) === null
}

/**
 * One list of action names, ready for lookups: the `_r` list itself when it is short (a scan of
 * a few strings is as fast as a hash and costs no memory), a Set when it is long.
 * @internal
 */
export type NameLookup = ReadonlySet<string> | readonly string[]

/** Lists longer than this get a Set; shorter ones are scanned. */
const SET_FROM = 8

/**
 * `_r` compiled once: maps from database (and child) to the lists of `_r` itself, or to a Set
 * for a long list. A check is then two or three map lookups and a short scan, whatever the size
 * of `_r`, and a cached token's compiled form shares `_r`'s own lists instead of copying each
 * into a small Set of its own. Built by {@link compiledRestrictions}; never built from a
 * malformed `_r`.
 * @internal
 */
export interface CompiledRestrictions {
  readonly a: NameLookup
  readonly d: ReadonlyMap<string, NameLookup>
  readonly r: ReadonlyMap<string, ReadonlyMap<string, NameLookup>>
}

/** A malformed `_r`, remembered with its problem so it is not validated again either. */
interface Malformed {
  readonly problem: string
}

const COMPILED = new WeakMap<object, CompiledRestrictions | Malformed>()

function lookup(list: readonly string[]): NameLookup {
  return list.length > SET_FROM ? new Set(list) : list
}

function compile(value: Restrictions): CompiledRestrictions {
  return {
    a: lookup(value.a ?? []),
    d: new Map(Object.entries(value.d ?? {}).map(([db, list]) => [db, lookup(list)])),
    r: new Map(
      Object.entries(value.r ?? {}).map(([db, children]) => [
        db,
        new Map(Object.entries(children).map(([child, list]) => [child, lookup(list)])),
      ]),
    ),
  }
}

/**
 * The compiled form of an `_r` value, or the problem that makes it malformed. Validation and
 * compilation happen once per `_r` object (remembered in a WeakMap): a token's actor is built
 * once and reused for every request, so its restrictions are never validated twice.
 * @internal
 */
export function compiledRestrictions(value: unknown): CompiledRestrictions | Malformed {
  const remembered = typeof value === 'object' && value !== null ? COMPILED.get(value) : undefined
  if (remembered !== undefined) return remembered
  const problem = restrictionsProblem(value)
  const result = problem === null ? compile(value as Restrictions) : { problem }
  if (typeof value === 'object' && value !== null) COMPILED.set(value, result)
  return result
}

function has(list: NameLookup, name: string): boolean {
  return Array.isArray(list) ? list.includes(name) : (list as ReadonlySet<string>).has(name)
}

function names(list: NameLookup | undefined, action: Action): boolean {
  return list !== undefined && (has(list, action.name) || (action.abbr !== null && has(list, action.abbr)))
}

/**
 * Whether compiled restrictions admit an action at a place (SPEC section 5): `a` everywhere,
 * `d[D]` on D and its children, `r[D][T]` on that child only.
 * @internal
 */
export function restrictionsAdmit(
  compiled: CompiledRestrictions,
  action: Action,
  database: string | null,
  resource: string | null,
): boolean {
  if (names(compiled.a, action)) return true
  if (database === null) return false
  if (names(compiled.d.get(database), action)) return true
  return resource !== null && names(compiled.r.get(database)?.get(resource), action)
}

/**
 * The restriction gate's answer for one check, as a reason sentence plus a verdict: the slow
 * twin of {@link restrictionsAdmit}, for explanations.
 * @internal
 */
export function restrictionGate(
  restrictions: unknown,
  action: Action,
  target: { database: string | null; resource: string | null },
): { allowed: boolean; reason: string } {
  if (restrictions === undefined) return { allowed: true, reason: 'the actor has no restrictions' }
  const compiled = compiledRestrictions(restrictions)
  if ('problem' in compiled) {
    return { allowed: false, reason: `the restrictions are malformed (${compiled.problem}), so everything is denied` }
  }
  const { database, resource } = target
  if (names(compiled.a, action)) return { allowed: true, reason: `_r.a names ${action.name}` }
  if (database !== null) {
    if (names(compiled.d.get(database), action)) return { allowed: true, reason: `_r.d.${database} names ${action.name}` }
    if (resource !== null && names(compiled.r.get(database)?.get(resource), action)) {
      return { allowed: true, reason: `_r.r.${database}.${resource} names ${action.name}` }
    }
  }
  const where = database === null ? 'at instance level' : resource === null ? `for database ${database}` : `for ${database}/${resource}`
  return { allowed: false, reason: `the token's restrictions do not allow ${action.name} ${where}` }
}

/**
 * The restriction gate alone: whether restrictions (`_r`) admit an action at a place. No
 * restrictions (`undefined`) admit everything; `{}` admits nothing; a malformed value admits
 * nothing. `a` admits everywhere, `d[D]` admits database D and its children, `r[D][T]` admits
 * only that child. There is no implication between actions.
 *
 * @param restrictions - the actor's `_r`, or `undefined` when it has none.
 * @param action - an action name or abbreviation.
 * @param target - the database and resource of the check.
 * @param registry - the actions to resolve `action` against. @defaultValue the built-ins
 * @throws UnknownActionError (`ERR_UNKNOWN_ACTION`) when `action` is not registered;
 * TypeError when a resource is given without its database.
 * @example
 * ```ts
 * restrictionsAllow({ r: { docs: { t: ['vt'] } } }, 'view-table', { database: 'docs', resource: 't' }) // true
 * restrictionsAllow({ r: { docs: { t: ['vt'] } } }, 'view-table', { database: 'docs' })                // false
 * ```
 */
export function restrictionsAllow(
  restrictions: unknown,
  action: string,
  target: CheckTarget = {},
  registry: ActionRegistry = DEFAULT_REGISTRY,
): boolean {
  const resolved = registry.resolve(action)
  const database = target.database ?? null
  const resource = target.resource ?? null
  if (resource !== null && database === null) {
    throw new TypeError(`A check on resource ${JSON.stringify(resource)} needs its database as well`)
  }
  if (restrictions === undefined) return true
  const compiled = compiledRestrictions(restrictions)
  return !('problem' in compiled) && restrictionsAdmit(compiled, resolved, database, resource)
}

/**
 * Restrictions as a new token should carry them: known actions written as abbreviations (when
 * they have one), unknown names kept as given, empty lists and empty `a`/`d`/`r` keys dropped.
 * Returns `undefined` when nothing is left (a token without `_r`).
 */
export function compactRestrictions(
  restrictions: Restrictions | undefined,
  registry: ActionRegistry = DEFAULT_REGISTRY,
): Restrictions | undefined {
  if (restrictions === undefined) return undefined
  const abbreviate = (list: readonly string[]): string[] => list.map((name) => registry.get(name)?.abbr ?? name)
  // Object.fromEntries, not assignment, so a database or table named "__proto__" stays a key.
  const out: Restrictions = {}
  if (restrictions.a !== undefined && restrictions.a.length > 0) out.a = abbreviate(restrictions.a)
  const d = Object.fromEntries(
    Object.entries(restrictions.d ?? {})
      .filter(([, list]) => list.length > 0)
      .map(([db, list]) => [db, abbreviate(list)]),
  )
  if (Object.keys(d).length > 0) out.d = d
  const r = Object.fromEntries(
    Object.entries(restrictions.r ?? {})
      .map(([db, children]) => [
        db,
        Object.fromEntries(
          Object.entries(children)
            .filter(([, list]) => list.length > 0)
            .map(([child, list]) => [child, abbreviate(list)]),
        ),
      ] as const)
      .filter(([, kept]) => Object.keys(kept).length > 0),
  )
  if (Object.keys(r).length > 0) out.r = r
  return Object.keys(out).length > 0 ? out : undefined
}

/**
 * A readable way to build `_r` (Datasette's `TokenRestrictions`).
 *
 * @example
 * ```ts
 * const r = new RestrictionsBuilder()
 *   .allowAll('view-instance')
 *   .allowDatabase('docs', 'view-query')
 *   .allowResource('docs', 'documents', 'insert-row')
 *   .build() // { a: ['view-instance'], d: { docs: ['view-query'] }, r: { docs: { documents: ['insert-row'] } } }
 * ```
 */
export class RestrictionsBuilder {
  readonly #a: string[] = []
  readonly #d = new Map<string, string[]>()
  readonly #r = new Map<string, Map<string, string[]>>()

  /** Allow an action everywhere, instance level included. */
  allowAll(action: string): this {
    this.#a.push(action)
    return this
  }

  /** Allow an action on a database and every child of it. */
  allowDatabase(database: string, action: string): this {
    const list = this.#d.get(database) ?? []
    this.#d.set(database, [...list, action])
    return this
  }

  /** Allow an action on one child (table, view or named query) of a database. */
  allowResource(database: string, resource: string, action: string): this {
    const children = this.#r.get(database) ?? new Map<string, string[]>()
    children.set(resource, [...(children.get(resource) ?? []), action])
    this.#r.set(database, children)
    return this
  }

  /** The `_r` object, with names as given (use {@link compactRestrictions} to abbreviate). */
  build(): Restrictions {
    const out: Restrictions = {}
    if (this.#a.length > 0) out.a = [...this.#a]
    if (this.#d.size > 0) out.d = Object.fromEntries([...this.#d].map(([db, list]) => [db, [...list]]))
    if (this.#r.size > 0) {
      out.r = Object.fromEntries(
        [...this.#r].map(([db, children]) => [db, Object.fromEntries([...children].map(([child, list]) => [child, [...list]]))]),
      )
    }
    return out
  }
}
