/**
 * Restrictions from an identity provider's scope claim: OAuth's `scope` (a space-separated
 * string), Azure's `scp`, Auth0's `permissions` (a list), turned into `_r` through InfluxDB-style
 * permission strings (`parsePermissions`), either read from the claim itself or looked up in a
 * configured table such as `{ "read:docs": "db:docs:read" }`.
 *
 * The rules, all failing closed (a token may do less, never more):
 * - With a table, each scope the table names adds its permission strings; a scope the table
 *   does not name (`openid`, `profile`) adds nothing.
 * - Without a table, each scope that is a valid permission string (`db:docs:read`) is one; any
 *   other scope adds nothing.
 * - The restrictions are the union of what the scopes add. A token with no such scope, or
 *   without the claim, gets `_r: {}`: it may do nothing a guard checks (`requireActor` still
 *   admits it, as it admits any authenticated caller).
 * - When restrictions come from the scope claim, a token that also carries an `_r` claim is
 *   refused (401): the two would have to be reconciled, and any guess could widen one of them.
 * - What the token may do is still its actor's permissions AND these restrictions.
 *
 * @module
 * @internal
 */
import { InvalidTokenError, PermissionStringError } from '../errors.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import type { ActionRegistry } from '../permissions/actions.js'
import { parsePermissions } from '../permissions/permission-strings.js'
import type { Restrictions } from '../types.js'

/** How scopes become restrictions, compiled once. @internal */
export interface ScopeMapping {
  /** The claim scopes are read from. */
  readonly claim: string
  /**
   * The restrictions for a verified payload.
   * @throws InvalidTokenError when the claim has the wrong type, or the token also has `_r`.
   */
  restrictionsOf(payload: { readonly [claim: string]: unknown }): Restrictions
}

/** A problem with the scope settings: which input, and (for a table entry) which scope. @internal */
export interface ScopeProblem {
  readonly input: 'scopeClaim' | 'scopeMap'
  readonly scope?: string
  readonly message: string
}

/**
 * Check and compile the scope settings: `null` when `claim` is not given (restrictions come
 * from the `_r` claim, as before).
 * @param claim - the `scopeClaim` option.
 * @param map - the `scopeMap` option.
 * @param registry - the actions permission strings may name.
 * @internal
 */
export function compileScopes(
  claim: unknown,
  map: unknown,
  registry: ActionRegistry | undefined,
): { ok: true; mapping: ScopeMapping | null } | { ok: false; problem: ScopeProblem } {
  if (claim === undefined) {
    if (map !== undefined) return { ok: false, problem: { input: 'scopeMap', message: 'needs the scope claim to read: set the scope claim too, such as "scope"' } }
    return { ok: true, mapping: null }
  }
  if (typeof claim !== 'string' || claim === '') return { ok: false, problem: { input: 'scopeClaim', message: 'must be the name of a claim, such as "scope", "scp" or "permissions"' } }
  if (claim === '_r') return { ok: false, problem: { input: 'scopeClaim', message: 'cannot be "_r": name the claim your identity provider writes scopes into, such as "scope"' } }

  let table: Map<string, readonly string[]> | null = null
  if (map !== undefined) {
    if (!isPlainObject(map)) return { ok: false, problem: { input: 'scopeMap', message: 'must be an object from scope to permission string(s), such as {"read:docs": "db:docs:read"}' } }
    table = new Map()
    for (const [scope, value] of Object.entries(map)) {
      const strings = typeof value === 'string' ? [value] : value
      if (!Array.isArray(strings) || strings.length === 0 || !strings.every((item) => typeof item === 'string')) {
        return { ok: false, problem: { input: 'scopeMap', scope, message: 'must be a permission string or a non-empty list of them' } }
      }
      try {
        parsePermissions(strings as string[], registry)
      } catch (error) {
        if (error instanceof PermissionStringError) return { ok: false, problem: { input: 'scopeMap', scope, message: error.message } }
        throw error
      }
      table.set(scope, strings as string[])
    }
  }

  const permissionsOf = (scope: string): readonly string[] => {
    if (table !== null) return table.get(scope) ?? []
    try {
      parsePermissions(scope, registry)
      return [scope]
    } catch (error) {
      if (error instanceof PermissionStringError) return [] // not a permission string: adds nothing
      throw error
    }
  }

  return {
    ok: true,
    mapping: {
      claim,
      restrictionsOf(payload) {
        if (Object.prototype.hasOwnProperty.call(payload, '_r')) {
          throw new InvalidTokenError(`Invalid token: an _r claim is not accepted when restrictions come from the ${claim} claim`, { reason: 'invalid_restrictions' })
        }
        const value = Object.prototype.hasOwnProperty.call(payload, claim) ? payload[claim] : undefined
        let scopes: readonly string[]
        if (value === undefined) scopes = []
        else if (typeof value === 'string') scopes = value.split(/\s+/).filter((scope) => scope !== '')
        else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) scopes = value as string[]
        else throw new InvalidTokenError(`Invalid token: the ${claim} claim must be a space-separated string or a list of strings`, { reason: 'invalid_claims' })
        const strings = [...new Set(scopes.flatMap(permissionsOf))]
        return strings.length === 0 ? {} : parsePermissions(strings, registry)
      },
    },
  }
}
