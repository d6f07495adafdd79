/**
 * "No token and no secret ever appears in an event" (SPEC section 11), checked over whole
 * suites: a suite gives its gates {@link EventScan.listener} as `onEvent`, tells the scan every
 * token and secret it uses (configured ones, and whatever it sends in an Authorization header or
 * a query string), and at the end asks for {@link EventScan.leaks}.
 *
 * A leak is an event with a string value that contains a secret, or a long enough piece of one
 * (16 characters or more: a token cut short is still a leak).
 */
import type { TokengateEvent } from 'tokengate'

/** The shortest piece of a secret that counts as a leak on its own. */
const PIECE = 16

export class EventScan {
  readonly events: TokengateEvent[] = []
  readonly #secrets = new Set<string>()

  /** The `onEvent` listener to give every gate of the suite. */
  readonly listener = (event: TokengateEvent): void => {
    this.events.push(event)
  }

  /** Secrets and tokens the suite uses (values shorter than 8 characters are not secrets). */
  remember(...values: readonly (string | null | undefined)[]): void {
    for (const value of values) if (typeof value === 'string' && value.length >= 8) this.#secrets.add(value)
  }

  /**
   * What a request carries as a token: the Authorization header's credentials, and the values of
   * the query parameters that carry tokens (`_auth_token` and `token` unless told otherwise).
   */
  rememberRequest(path: string, authorization?: string, tokenParams: readonly string[] = ['_auth_token', 'token']): void {
    if (authorization !== undefined) this.remember(authorization.replace(/^\S+ +/, ''))
    const query = path.indexOf('?')
    if (query === -1) return
    for (const [name, value] of new URLSearchParams(path.slice(query + 1))) if (tokenParams.includes(name)) this.remember(value)
  }

  get secrets(): readonly string[] {
    return [...this.#secrets]
  }

  /** Every event value that holds a secret or a piece of one, as `[event type, value]`. */
  leaks(): [string, string][] {
    const found: [string, string][] = []
    for (const event of this.events) {
      for (const value of Object.values(event)) {
        if (typeof value !== 'string') continue
        for (const secret of this.#secrets) {
          if (value.includes(secret) || (value.length >= PIECE && secret.includes(value))) found.push([event.type, value])
        }
      }
    }
    return found
  }

  /** Wait until events emitted so far have been delivered (they are delivered in a setImmediate). */
  static async delivered(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
  }
}
