/**
 * What an `Authorization` header that was not read says to a client that is then refused: a
 * request whose header has another scheme (`Token …`, `JWT …`), the scheme with a colon
 * (`Bearer: …`) or no scheme at all (a bare token) is anonymous, as SPEC section 6 says, and a
 * guard answers it 401 `Authentication required`. Without a hint the client cannot tell that its
 * token was never looked at; express-jwt's `credentials_bad_format` says so too.
 *
 * The note names what was seen and what the server reads, and never the token: a scheme is
 * echoed only when it is the gate's own or one of the well-known scheme names below (anything
 * else before the first space could be a secret).
 *
 * The note is computed when a guard refuses an anonymous request, from that request's header, so
 * an accepted request pays nothing for it.
 *
 * @module
 * @internal
 */
import { asciiLowerCase } from './bearer.js'

/** Scheme names that may be echoed: the registered HTTP schemes and the common home-made ones. */
const KNOWN_SCHEMES = [
  'Basic',
  'Bearer',
  'Digest',
  'DPoP',
  'HOBA',
  'Mutual',
  'Negotiate',
  'NTLM',
  'OAuth',
  'SCRAM-SHA-1',
  'SCRAM-SHA-256',
  'vapid',
  'AWS4-HMAC-SHA256',
  'Token',
  'JWT',
  'ApiKey',
  'Api-Key',
  'Key',
].map((scheme) => scheme.toLowerCase())

/** What the note needs of the gate. @internal */
export interface IgnoredCredentialsOptions {
  /** The schemes that carry a token, as configured (`['Bearer']` by default). */
  readonly schemes: readonly string[]
  /** What an unclaimed token means. */
  readonly unknownTokens: 'reject' | 'anonymous'
}

function readsWhat(schemes: readonly string[]): string {
  return schemes.length === 1 ? (schemes[0] ?? 'Bearer') : `${schemes.slice(0, -1).join(', ')} or ${schemes.at(-1) ?? ''}`
}

/**
 * Why a request that sent an `Authorization` header is anonymous, in a clause for the 401
 * message, or `null` when it sent none (or nothing worth saying).
 *
 * @param authorization - the request's `Authorization` header as the framework gives it.
 * @param options - the gate's schemes and its `unknownTokens` option.
 * @returns such as `the Authorization header uses the "Token" scheme; this server reads Bearer`.
 * @internal
 */
export function ignoredCredentialsNote(authorization: string | readonly string[] | undefined, options: IgnoredCredentialsOptions): string | null {
  // Several headers are a 400 before any guard runs; an empty one is no credential.
  const header = Array.isArray(authorization) ? (authorization.length === 1 ? authorization[0] : undefined) : authorization
  if (typeof header !== 'string' || header.trim() === '') return null
  const value = header.trim()
  const reads = readsWhat(options.schemes)
  // ASCII case folding only, as the reader compares schemes (bearer.ts): a scheme spelled with
  // the Kelvin sign is not the gate's, and the note must not say it was read.
  const own = (name: string): boolean => options.schemes.some((scheme) => asciiLowerCase(scheme) === asciiLowerCase(name))
  const space = value.search(/[ \t]/)
  const first = space === -1 ? value : value.slice(0, space)
  if (first.endsWith(':') && own(first.slice(0, -1))) {
    return `the Authorization header writes the scheme with a colon ("${first}"); send "${first.slice(0, -1)} <token>", without the colon`
  }
  if (space === -1) {
    if (own(first)) return null // "Bearer" alone: already a 400 before any guard
    return `the Authorization header has a value but no scheme; this server reads "${options.schemes[0] ?? 'Bearer'} <token>"`
  }
  if (own(first)) {
    // Read and looked up, but no source knew it, and unknownTokens: 'anonymous' made it anonymous.
    return options.unknownTokens === 'anonymous' ? `the ${first} token is not one this server knows, and unknown tokens count as anonymous here` : null
  }
  if (KNOWN_SCHEMES.includes(asciiLowerCase(first))) return `the Authorization header uses the "${first}" scheme; this server reads ${reads}`
  return `the Authorization header uses a scheme this server does not read; it reads ${reads}`
}
