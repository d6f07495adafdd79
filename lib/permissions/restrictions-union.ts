/**
 * The union of a token's restrictions and its compiled permission strings: the one `_r` a
 * managed token carries (SPEC section 9), and the check that it stays within the
 * {@link MAX_RESTRICTION_GRANTS} cap every token is held to (issue 9), so that a token is refused
 * when it is made rather than on every use.
 *
 * Database and resource names are data: a database named `__proto__` is an ordinary key here
 * (the union is built in Maps and written with `Object.fromEntries`, never with `obj[key] =`).
 *
 * @module
 * @internal
 */
import type { Restrictions } from '../types.js'
import { MAX_RESTRICTION_GRANTS, grantCount } from './restrictions.js'

function addAll(target: string[], items: readonly string[]): void {
  for (const item of items) if (!target.includes(item)) target.push(item)
}

/**
 * What any of the given restrictions allows: `a`, `d` and `r` merged, each list in order of first
 * appearance, without duplicates; a new object that shares nothing with its inputs.
 * @internal
 */
export function unionRestrictions(...parts: readonly Restrictions[]): Restrictions {
  const all: string[] = []
  const databases = new Map<string, string[]>()
  const resources = new Map<string, Map<string, string[]>>()
  let hasA = false
  for (const part of parts) {
    if (part.a !== undefined) {
      hasA = true
      addAll(all, part.a)
    }
    for (const [database, list] of Object.entries(part.d ?? {})) {
      let target = databases.get(database)
      if (target === undefined) databases.set(database, (target = []))
      addAll(target, list)
    }
    for (const [database, children] of Object.entries(part.r ?? {})) {
      let byChild = resources.get(database)
      if (byChild === undefined) resources.set(database, (byChild = new Map()))
      for (const [child, list] of Object.entries(children)) {
        let target = byChild.get(child)
        if (target === undefined) byChild.set(child, (target = []))
        addAll(target, list)
      }
    }
  }
  const out: Restrictions = {}
  if (hasA) out.a = all
  if (databases.size > 0 || parts.some((part) => part.d !== undefined)) out.d = Object.fromEntries(databases)
  if (resources.size > 0 || parts.some((part) => part.r !== undefined)) {
    out.r = Object.fromEntries([...resources].map(([database, byChild]) => [database, Object.fromEntries(byChild)]))
  }
  return out
}

/**
 * Why a token's whole scope (its restrictions and compiled permissions, as one union) cannot be
 * carried by a token, or `null`: more than {@link MAX_RESTRICTION_GRANTS} grants.
 * @internal
 */
export function scopeSizeProblem(union: Restrictions): string | null {
  const count = grantCount(union)
  return count > MAX_RESTRICTION_GRANTS ? `they grant ${count} actions in all; a token may carry at most ${MAX_RESTRICTION_GRANTS}` : null
}
