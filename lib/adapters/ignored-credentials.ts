/**
 * The adapters' half of "header mistakes say what was seen" (`tokens/ignored-credentials.ts`):
 * when a guard refuses an anonymous request with 401 `Authentication required`, the message
 * gains a note on the `Authorization` header that was not read, such as
 * `Authentication required: insert-row on docs/documents (the Authorization header uses the
 * "Token" scheme; this server reads Bearer)`. It stays a 401 with the bare challenge, never
 * another identity, and the note never contains the token.
 *
 * @module
 * @internal
 */
import { AuthenticationRequiredError } from '../errors.js'
import type { GateInternals } from '../internal/gate-internals.js'

/**
 * Add the note on an ignored Authorization header to a 401 `Authentication required`; any other
 * error is returned unchanged.
 * @internal
 */
export function withIgnoredCredentials(error: unknown, internals: GateInternals, authorization: string | readonly string[] | undefined): unknown {
  if (!(error instanceof AuthenticationRequiredError) || authorization === undefined) return error
  const note = internals.ignoredCredentials(authorization)
  if (note !== null) error.message = `${error.message} (${note})`
  return error
}
