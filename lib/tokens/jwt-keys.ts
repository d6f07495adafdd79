/**
 * JWT algorithms and keys: the one check of whether a list of algorithms and the keys given with
 * it can verify tokens safely, shared by the configuration's `jwt` block (`loadConfig`) and the
 * `jwt` option / {@link jwtTokenSource}, so the two accept exactly the same things.
 *
 * The rules:
 * - the algorithms are a non-empty list of HS256/384/512, RS*, PS*, ES*; never `none`, never
 *   EdDSA (jsonwebtoken 9 cannot verify it);
 * - every family has its own key, and only its own: HS* is verified with the HMAC secret, every
 *   other family with the public key, which rules out the HS256-with-the-public-key confusion;
 * - an HS* algorithm needs a secret and a secret needs an HS* algorithm; likewise the public key
 *   and the other families; a public key must fit every asymmetric algorithm listed (RSA for RS*,
 *   RSA or RSA-PSS for PS*, the right curve for each ES*);
 * - a secret that looks like a PEM key is refused: it was meant as the public key;
 * - a JWKS URL (`jwksUri`) takes the public key's place: the RS*, PS* and ES* tokens are then
 *   verified with the key set's keys (`jwks.ts`), so a public key and a JWKS URL together are
 *   refused, and a JWKS URL needs an asymmetric algorithm.
 *
 * Keys are converted to `KeyObject`s once, here.
 *
 * @module
 * @internal
 */
import { KeyObject, createPublicKey, createSecretKey } from 'node:crypto'
import { jwksUriProblem } from './jwks.js'

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const

/** Every algorithm a JWT may be verified with. @internal */
export const SUPPORTED_ALGORITHMS: readonly string[] = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS]
const SUPPORTED_LIST = `${SUPPORTED_ALGORITHMS.slice(0, -1).join(', ')} or ${SUPPORTED_ALGORITHMS.at(-1) ?? ''}`

/** The EC curve each ES* algorithm needs (Node's names). */
const EC_CURVES: { readonly [alg: string]: string } = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' }

/** HS256/384/512 verify with a shared secret; every other algorithm with a public key. @internal */
export const isHmac = (alg: string): boolean => alg.startsWith('HS')

/** Which input a problem is about. @internal */
export type JwtKeyInput = 'algorithms' | 'secret' | 'publicKey' | 'jwksUri'

/** What a problem is reported against: the input, and (for a list item) its index. @internal */
export interface JwtKeyProblem {
  readonly input: JwtKeyInput
  readonly index?: number
  /**
   * The problem: a predicate of the input's name ("is set but…") for the input as a whole, a
   * clause of its own ("unknown algorithm …") for one item of a list.
   */
  readonly message: string
}

/**
 * How the inputs are named in messages: `"secret" option` for the `jwt` option,
 * `jwt.secret` for the configuration file.
 * @internal
 */
export type JwtKeyNames = { readonly [input in JwtKeyInput]: string }

/** The checked algorithms and converted keys. @internal */
export interface JwtKeys {
  readonly algorithms: readonly string[]
  readonly hmacKey: KeyObject | null
  readonly verifyKey: KeyObject | null
  /** The JWKS URL the RS*, PS* and ES* keys come from, when one was given (then `verifyKey` is null). */
  readonly jwksUri: string | null
}

class Problem extends Error {
  readonly problem: JwtKeyProblem

  constructor(problem: JwtKeyProblem) {
    super(problem.message)
    this.problem = problem
  }
}

function fail(input: JwtKeyInput, message: string, index?: number): never {
  throw new Problem(index === undefined ? { input, message } : { input, index, message })
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (value instanceof KeyObject) return `a ${value.type} KeyObject`
  return typeof value
}

function looksLikePem(value: string | Buffer): boolean {
  const start = typeof value === 'string' ? value : value.subarray(0, 64).toString('latin1')
  return start.trimStart().startsWith('-----BEGIN')
}

/**
 * Why one algorithm cannot be accepted, or `null` when it can.
 * @internal
 */
export function algorithmProblem(alg: unknown): string | null {
  if (typeof alg === 'string' && alg.toLowerCase() === 'none') return '"none" is refused: unsigned tokens are never accepted'
  if (alg === 'EdDSA') return 'EdDSA is not supported (jsonwebtoken 9 cannot verify it); use ES256, RS256 or PS256'
  if (typeof alg !== 'string' || !SUPPORTED_ALGORITHMS.includes(alg)) return `unknown algorithm ${JSON.stringify(alg)}; use ${SUPPORTED_LIST}`
  return null
}

function algorithmsOf(algorithms: unknown): string[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    fail('algorithms', 'is required: list the algorithms you accept, such as ["HS256"]')
  }
  ;(algorithms as unknown[]).forEach((alg, index) => {
    const problem = algorithmProblem(alg)
    if (problem !== null) fail('algorithms', problem, index)
  })
  return [...new Set(algorithms as string[])]
}

function secretKeyOf(secret: unknown, firstAlg: string, names: JwtKeyNames): KeyObject {
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret') fail('secret', `must be an HMAC secret for ${firstAlg} (a string, a Buffer or a secret KeyObject), got ${describe(secret)}`)
    return secret
  }
  if (typeof secret !== 'string' && !Buffer.isBuffer(secret)) {
    fail('secret', `must be a string, a Buffer or a secret KeyObject, got ${describe(secret)}`)
  }
  if (secret.length === 0) fail('secret', 'must not be empty')
  if (looksLikePem(secret)) {
    fail('secret', `looks like a PEM key: pass it as ${names.publicKey} and accept RS*, PS* or ES* algorithms instead of HS*`)
  }
  return createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret)
}

function publicKeyOf(key: unknown, names: JwtKeyNames): KeyObject {
  if (key instanceof KeyObject) {
    if (key.type === 'public') return key
    if (key.type === 'private') return createPublicKey(key)
    fail('publicKey', `must be a public key (PEM or a public KeyObject), got a secret KeyObject: pass HMAC secrets as ${names.secret}`)
  }
  if (typeof key !== 'string' && !Buffer.isBuffer(key)) {
    fail('publicKey', `must be a PEM string, a Buffer or a public KeyObject, got ${describe(key)}`)
  }
  try {
    return createPublicKey(key)
  } catch {
    return fail('publicKey', 'is not a valid PEM public key (such as "-----BEGIN PUBLIC KEY-----\\n…"); check the key or the file it is read from')
  }
}

/**
 * Why an asymmetric key cannot verify one of the algorithms, or `null` when it fits them all.
 * Used for public keys here and private keys when signing.
 * @internal
 */
export function keyMisfit(key: KeyObject, algorithms: readonly string[]): string | null {
  const type = key.asymmetricKeyType ?? 'unknown'
  for (const alg of algorithms) {
    if (isHmac(alg)) continue
    const family = alg.slice(0, 2)
    const fits = family === 'RS' ? type === 'rsa' : family === 'PS' ? type === 'rsa' || type === 'rsa-pss' : type === 'ec'
    if (!fits) return `is an ${type} key, which cannot verify ${alg}: accept only algorithms that fit the key`
    if (family === 'ES') {
      const curve = key.asymmetricKeyDetails?.namedCurve
      const needed = EC_CURVES[alg]
      if (curve !== needed) return `is an ec key on curve ${curve ?? 'unknown'}, which cannot verify ${alg} (it needs ${needed ?? 'another curve'})`
    }
  }
  return null
}

/**
 * Check algorithms and keys together and convert the keys, or return the first problem.
 * @internal
 */
export function jwtKeys(
  input: { readonly algorithms: unknown; readonly secret: unknown; readonly publicKey: unknown; readonly jwksUri?: unknown },
  names: JwtKeyNames,
): { ok: true; keys: JwtKeys } | { ok: false; problem: JwtKeyProblem } {
  try {
    const algorithms = algorithmsOf(input.algorithms)
    const hmac = algorithms.filter(isHmac)
    const asymmetric = algorithms.filter((alg) => !isHmac(alg))
    // A key for no accepted algorithm is the likelier mistake (a key in the wrong place), so it
    // is reported before a key that is missing.
    if (input.secret !== undefined && hmac.length === 0) {
      fail('secret', `is set but no HS* algorithm is accepted: an HMAC secret cannot verify RS*, PS* or ES* tokens; remove it, or add HS256 to ${names.algorithms}`)
    }
    if (input.publicKey !== undefined && asymmetric.length === 0) {
      fail('publicKey', `is set but only HS* algorithms are accepted: a public key cannot verify HS* tokens; remove it, or add RS256 (or another algorithm for the key) to ${names.algorithms}`)
    }
    const jwksUri = input.jwksUri
    if (jwksUri !== undefined) {
      const problem = jwksUriProblem(jwksUri)
      if (problem !== null) fail('jwksUri', problem)
      if (asymmetric.length === 0) {
        fail('jwksUri', `is set but only HS* algorithms are accepted: a key set verifies RS*, PS* and ES* tokens; remove it, or add RS256 (or the algorithm your identity provider signs with) to ${names.algorithms}`)
      }
      if (input.publicKey !== undefined) {
        fail('publicKey', `and ${names.jwksUri} are both set: RS*, PS* and ES* tokens are verified with one or the other; keep one`)
      }
    }
    if (input.secret === undefined && hmac[0] !== undefined) fail('secret', `is required for ${hmac[0]}: pass the HMAC secret`)
    if (input.publicKey === undefined && jwksUri === undefined && asymmetric[0] !== undefined) {
      fail('publicKey', `is required for ${asymmetric[0]}: pass the PEM public key, or the key set's URL as ${names.jwksUri}`)
    }
    const hmacKey = hmac[0] === undefined ? null : secretKeyOf(input.secret, hmac[0], names)
    let verifyKey: KeyObject | null = null
    if (asymmetric.length > 0 && jwksUri === undefined) {
      verifyKey = publicKeyOf(input.publicKey, names)
      const misfit = keyMisfit(verifyKey, asymmetric)
      if (misfit !== null) fail('publicKey', misfit)
    }
    return { ok: true, keys: { algorithms, hmacKey, verifyKey, jwksUri: typeof jwksUri === 'string' ? jwksUri : null } }
  } catch (error) {
    if (error instanceof Problem) return { ok: false, problem: error.problem }
    throw error
  }
}

/** The names of the `jwt` option's inputs in messages. @internal */
export const OPTION_NAMES: JwtKeyNames = { algorithms: '"algorithms"', secret: '"secret"', publicKey: '"publicKey"', jwksUri: '"jwksUri"' }

/**
 * A problem as a TypeError says it: `"secret" option is set but …`, or
 * `"algorithms" option: unknown algorithm …` for an item of the list.
 * @internal
 */
export function optionMessage(problem: JwtKeyProblem, names: JwtKeyNames = OPTION_NAMES): string {
  const name = names[problem.input]
  return problem.index === undefined ? `${name} option ${problem.message}` : `${name} option: ${problem.message}`
}
