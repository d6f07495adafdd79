/**
 * What the mounts of `tokenAdmin` share: the query string as name → values, and
 * the error for a mount with no `tokenAuth` in front of it.
 *
 * @module
 * @internal
 */
import { MiddlewareOrderError } from '../errors.js'

/** A raw query string (without `?`) as name → every value given. @internal */
export function queryValues(search: string): { readonly [name: string]: readonly string[] } {
  const out: Record<string, string[]> = {}
  for (const [name, value] of new URLSearchParams(search)) {
    // Defined as an own property: a parameter named "__proto__" is a parameter, not a prototype.
    if (!Object.hasOwn(out, name)) Object.defineProperty(out, name, { value: [], enumerable: true, writable: true, configurable: true })
    ;(out[name] as string[]).push(value)
  }
  return out
}

/** The 500 for a tokenAdmin that runs without tokenAuth before it. @internal */
export function adminOrderError(): MiddlewareOrderError {
  return new MiddlewareOrderError('tokenAdmin() ran without tokenAuth in front of it: app.use(tokenAuth(gate)) before app.use(tokenAdmin(gate))')
}
