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
    if (!Object.hasOwn(out, name)) out[name] = []
    ;(out[name] as string[]).push(value)
  }
  return out
}

/** The 500 for a tokenAdmin that runs without tokenAuth before it. @internal */
export function adminOrderError(): MiddlewareOrderError {
  return new MiddlewareOrderError('tokenAdmin() ran without tokenAuth in front of it: app.use(tokenAuth(gate)) before app.use(tokenAdmin(gate))')
}
