/**
 * The tokens each benchmark scenario is probed and measured with: the measured request's token,
 * a near miss (a valid token of an actor without the permission, which must be denied 403) and
 * a forgery (which must be refused 401). Kept apart from `scenarios.ts` because it imports
 * tokengate to sign tokens, and the scenario servers must not load tokengate unless their
 * scenario uses it.
 *
 * @module
 */
import { createJwt, createSignedToken } from 'tokengate'
import { JWT_SECRET, MANAGED_TOKENS, OUTSIDER, READER, SIGNING_SECRET, STATIC_TOKENS, type ScenarioName } from './scenarios.js'

/** The tokens a scenario is probed and measured with. */
export interface Credentials {
  /** The token of the measured request, or `null` for none (the bare baselines). */
  readonly token: string | null
  /**
   * A valid token of {@link OUTSIDER}, whose permission check must fail (403), or `null` when
   * the scenario checks no permission (the baselines, and @fastify/bearer-auth, which only
   * authenticates).
   */
  readonly nearMiss: string | null
  /** A token that must not authenticate (401), or `null` when the scenario checks nothing. */
  readonly forged: string | null
}

/** `token` with its last character changed: well-formed, but its signature or lookup fails. */
function forge(token: string): string {
  const last = token.at(-1)
  return `${token.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`
}

function jwtFor(actorId: string, now: number): string {
  return createJwt({ actorId, secret: JWT_SECRET, algorithm: 'HS256', now })
}

/**
 * The tokens for a scenario. Signed tokens and JWTs are made now, without an expiry, so they
 * stay valid for the whole run.
 */
export function credentialsFor(name: ScenarioName, now: number = Math.floor(Date.now() / 1000)): Credentials {
  switch (name) {
    case 'express':
    case 'express-noop':
    case 'fastify':
    case 'fastify-root-entry':
      return { token: null, nearMiss: null, forged: null }
    case 'static':
    case 'static-limited':
    case 'static-redis':
    case 'passport':
    case 'fastify-static':
      return { token: STATIC_TOKENS[READER], nearMiss: STATIC_TOKENS[OUTSIDER], forged: forge(STATIC_TOKENS[READER]) }
    case 'fastify-bearer-auth':
      // One static key, and no permission check: the outsider's token is simply not a key.
      return { token: STATIC_TOKENS[READER], nearMiss: null, forged: forge(STATIC_TOKENS[READER]) }
    case 'dstok':
    case 'fastify-dstok': {
      const token = createSignedToken({ actorId: READER, secret: SIGNING_SECRET, now })
      return { token, nearMiss: createSignedToken({ actorId: OUTSIDER, secret: SIGNING_SECRET, now }), forged: forge(token) }
    }
    case 'jwt':
    case 'express-jwt': {
      const token = jwtFor(READER, now)
      return { token, nearMiss: jwtFor(OUTSIDER, now), forged: forge(token) }
    }
    case 'managed-sqlite':
    case 'managed-postgres':
    case 'managed-sqlite-nocache':
    case 'managed-postgres-nocache':
      // The forgery is a well-formed managed token that was never stored: it passes the
      // checksum and fails the store lookup.
      return { token: MANAGED_TOKENS[READER], nearMiss: MANAGED_TOKENS[OUTSIDER], forged: MANAGED_TOKENS.unknown }
  }
}
