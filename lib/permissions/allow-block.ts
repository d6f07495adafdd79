/**
 * Where the allow block is evaluated: {@link actorMatchesAllow}, Datasette's `allow` semantics
 * exactly (SPEC section 2), with one deliberate difference: an object or array compared as an
 * element never matches (Datasette crashes there; tokengate fails closed).
 *
 * @module
 */
import { isPlainObject } from '../internal/is-plain-object.js'

/**
 * Strict JSON equality of two scalar elements: same type and same value. Strings are
 * case-sensitive, `1` is not `"1"`, `true` is not `1`, `null` equals only `null`. Objects and
 * arrays never match anything (fail closed).
 */
function scalarEquals(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b
  const type = typeof a
  if (type !== typeof b) return false
  if (type === 'string' || type === 'number' || type === 'boolean') return a === b
  return false
}

function overlaps(allowValues: readonly unknown[], actorValues: readonly unknown[]): boolean {
  for (const wanted of allowValues) {
    for (const present of actorValues) {
      if (scalarEquals(wanted, present)) return true
    }
  }
  return false
}


/**
 * Whether an actor matches a Datasette allow block.
 *
 * In order: `true`/`false` decide at once (`true` admits anonymous); an anonymous actor matches
 * an object whose `unauthenticated` is exactly `true`; a `null`/absent block matches everyone;
 * otherwise the block's keys are OR-ed (so `{}` denies everyone), a key matching when its value
 * is exactly `"*"` and the actor has the key, or when the block's value (or list) and the actor's
 * value (or list) share an element. Anything else (a number, a string, a list as the block)
 * matches nobody.
 *
 * @param actor - the actor, or `null` for anonymous.
 * @param allow - the allow block.
 * @example
 * ```ts
 * actorMatchesAllow({ id: 'root' }, { id: ['root', 'admin'] }) // true
 * actorMatchesAllow(null, { unauthenticated: true })            // true
 * actorMatchesAllow({ id: 'bob' }, {})                           // false
 * ```
 */
export function actorMatchesAllow(actor: { readonly [key: string]: unknown } | null, allow: unknown): boolean {
  if (allow === true) return true
  if (allow === false) return false
  if (actor === null && isPlainObject(allow) && allow['unauthenticated'] === true) return true
  if (allow === null || allow === undefined) return true
  if (!isPlainObject(allow)) return false
  const subject: { readonly [key: string]: unknown } = actor ?? {}
  if (!isPlainObject(subject)) return false
  for (const key of Object.keys(allow)) {
    const wanted = allow[key]
    const hasKey = Object.prototype.hasOwnProperty.call(subject, key)
    if (wanted === '*') {
      if (hasKey) return true
      continue
    }
    const present = hasKey ? subject[key] : undefined
    if (present === undefined || present === null) continue
    const wantedList = Array.isArray(wanted) ? wanted : [wanted]
    const presentList = Array.isArray(present) ? present : [present]
    if (overlaps(wantedList, presentList)) return true
  }
  return false
}
