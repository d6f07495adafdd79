/**
 * One-time login links, as `datasette --root` prints one: a URL that, visited once within a few
 * minutes, signs the browser in (a `ds_actor` cookie for `{"id": "root"}` by default) and sends
 * it to the token page. `tokenAdmin(gate, { loginLink })` serves the link's path; a server prints
 * `link.issue()` when it starts.
 *
 * Each issued link is single use and short-lived. Only the SHA-256 of its secret is kept, in
 * memory, so links die with the process (as Datasette's does) and a link cannot be read back.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Gate } from '../gate.js'
import { isPlainObject } from '../internal/is-plain-object.js'
import { checkOptionNames } from '../internal/options.js'
import { tokenDigest } from '../internal/token-digest.js'
import type { Actor } from '../types.js'

/** What {@link createLoginLink} takes. */
export interface LoginLinkOptions {
  /** Who the link signs in. @defaultValue `{ id: 'root' }` */
  actor?: Actor
  /** The path the link points at (served by `tokenAdmin`). @defaultValue `'/-/login'` */
  path?: string
  /** Seconds an issued link stays valid. @defaultValue 300 */
  validFor?: number
  /** Seconds the cookie it sets signs the browser in for; `null` for no expiry. @defaultValue 86400 */
  sessionLength?: number | null
  /** The clock, in unix seconds. @defaultValue `() => Date.now() / 1000` */
  now?: () => number
}

/** A browser signed in by a link: the actor and the `ds_actor` cookie value to set. */
export interface LoginLinkSession {
  readonly actor: Actor
  /** The `ds_actor` cookie value (from `gate.createActorCookie`). */
  readonly cookie: string
  /** Seconds the cookie is valid for, or `null` for no expiry. */
  readonly maxAge: number | null
}

/** One-time login links for one gate. Make it with {@link createLoginLink}. */
export interface LoginLink {
  /** The path the links point at, such as `/-/login`. */
  readonly path: string
  /**
   * A new single-use link: the path and its secret query, such as `/-/login?token=…`. Put your
   * server's address in front and print it (to the terminal, never to a log others read).
   */
  issue(): string
  /**
   * Use a link's secret: the session it opens, or `null` when the secret is unknown, already used
   * or expired. A secret opens at most one session.
   */
  redeem(secret: unknown): LoginLinkSession | null
}

const OPTIONS: readonly (keyof LoginLinkOptions)[] = ['actor', 'path', 'validFor', 'sessionLength', 'now']

/**
 * One-time login links that sign a browser in with a `ds_actor` cookie, as `datasette --root`
 * does.
 *
 * @param gate - the gate whose secret signs the cookie.
 * @param options - see {@link LoginLinkOptions}.
 * @throws TypeError for a gate without a secret, or a bad option.
 * @example
 * ```ts
 * const login = createLoginLink(gate)
 * app.use(tokenAuth(gate, { actorCookie: true }))
 * app.use(tokenAdmin(gate, { loginLink: login }))
 * server.listen(8001, () => console.log(`Sign in as root: http://127.0.0.1:8001${login.issue()}`))
 * ```
 */
export function createLoginLink(gate: Gate, options: LoginLinkOptions = {}): LoginLink {
  checkOptionNames(options, OPTIONS, 'createLoginLink')
  const actor = options.actor ?? { id: 'root' }
  if (!isPlainObject(actor)) throw new TypeError('"actor" option must be a JSON object, such as { id: "root" }')
  const path = options.path ?? '/-/login'
  if (typeof path !== 'string' || !/^\/[\w\-./~]*$/.test(path)) throw new TypeError('"path" option must be a path starting with "/"')
  const validFor = options.validFor ?? 300
  if (!Number.isSafeInteger(validFor) || validFor <= 0) throw new TypeError('"validFor" option must be a positive whole number of seconds')
  const sessionLength = options.sessionLength === undefined ? 86400 : options.sessionLength
  if (sessionLength !== null && (!Number.isSafeInteger(sessionLength) || sessionLength <= 0)) {
    throw new TypeError('"sessionLength" option must be a positive whole number of seconds, or null for no expiry')
  }
  const now = options.now ?? (() => Date.now() / 1000)
  if (typeof now !== 'function') throw new TypeError('"now" option must be a function returning unix seconds')
  // Fails now, not when the link is visited, if the gate cannot sign cookies.
  gate.createActorCookie(actor, { expiresAfter: sessionLength })

  /** The SHA-256 of each live link's secret, and when it stops working. */
  const live = new Map<string, number>()
  const prune = (at: number): void => {
    for (const [digest, expiresAt] of live) if (at >= expiresAt) live.delete(digest)
  }

  return Object.freeze({
    path,
    issue(): string {
      const at = now()
      prune(at)
      const secret = randomBytes(32).toString('base64url')
      live.set(tokenDigest(secret), at + validFor)
      return `${path}?token=${secret}`
    },
    redeem(secret: unknown): LoginLinkSession | null {
      const at = now()
      prune(at)
      if (typeof secret !== 'string' || secret === '' || secret.length > 200) return null
      const digest = tokenDigest(secret)
      if (!live.has(digest)) return null
      live.delete(digest)
      return { actor, cookie: gate.createActorCookie(actor, { expiresAfter: sessionLength }), maxAge: sessionLength }
    },
  })
}
