/**
 * itsdangerous-style signing, as Python's `URLSafeSerializer(secret, salt)` does it, which is
 * how Datasette signs both its `dstok_` tokens (salt `token`) and its `ds_actor` cookie (salt
 * `actor`). One implementation for both, so they cannot drift apart.
 *
 * ```text
 * signed    = payload + "." + signature
 * payload   = base64url(json)            when zlib does not help, or
 *             "." + base64url(zlib(json)) when the zlib stream is shorter than len(json) - 1 bytes
 * signature = base64url(HMAC-SHA1(SHA1(salt + "signer" + secret), payload))
 * ```
 *
 * base64url is unpadded. The signature covers the payload exactly as written (leading `.`
 * included), so a value verifies wherever the secret is known, whichever zlib produced it.
 *
 * @module
 * @internal
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { deflateSync, inflateSync } from 'node:zlib'
import { base64urlDecode, base64urlEncode } from './base64url.js'
import { isPlainObject } from './is-plain-object.js'

/**
 * The largest decompressed payload accepted, in bytes. Real payloads are a few hundred bytes;
 * the cap stops a zlib bomb (a tiny compressed payload that inflates to gigabytes). It only
 * matters for a payload whose signature is valid, i.e. one made by a holder of the secret.
 * @internal
 */
export const MAX_PAYLOAD_BYTES = 64 * 1024

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** itsdangerous's "django-concat" key derivation: SHA1(salt + "signer" + secret). @internal */
export function deriveSigningKey(secret: string, salt: string): Buffer {
  return createHash('sha1').update(`${salt}signer${secret}`, 'utf8').digest()
}

/** The signature of a payload segment under a derived key, base64url without padding. @internal */
export function signatureOf(key: Buffer, body: string): string {
  return base64urlEncode(createHmac('sha1', key).update(body, 'utf8').digest())
}

/**
 * The payload segment for an exact JSON text: zlib-compressed with a leading `.` when that is
 * shorter than the JSON's byte length minus one (itsdangerous's rule), else the plain JSON.
 * Node's zlib may produce different (equally valid) deflate bytes than Python's zlib, so a
 * compressed segment need not be byte-identical to Python's; the JSON inside always is.
 * @internal
 */
export function encodePayload(json: string): string {
  const bytes = Buffer.from(json, 'utf8')
  const compressed = deflateSync(bytes)
  return compressed.length < bytes.length - 1 ? `.${base64urlEncode(compressed)}` : base64urlEncode(bytes)
}

/** Every HMAC-SHA1 signature, base64url without padding, is this long. */
const SIGNATURE_LENGTH = 27
const SIGNATURE_SHAPE = /^[A-Za-z0-9_-]{27}$/

/**
 * Whether `presented` is the signature of `body` under one of the keys, compared in constant
 * time as exact text (a differently written encoding of the same bytes does not count). The
 * length and alphabet of a signature are public, so checking them first leaks nothing.
 * @internal
 */
export function signatureMatches(keys: readonly Buffer[], body: string, presented: string): boolean {
  if (!SIGNATURE_SHAPE.test(presented)) return false
  const given = Buffer.from(presented, 'latin1')
  let matched = false
  for (const key of keys) {
    const expected = Buffer.from(signatureOf(key, body), 'latin1')
    // Every key is tried, so the time does not say which key (if any) matched.
    if (expected.length === SIGNATURE_LENGTH && timingSafeEqual(expected, given)) matched = true
  }
  return matched
}

/**
 * Decode a payload segment (plain or `.`-compressed) into a JSON object, or say why it cannot
 * be decoded.
 * @internal
 */
export function decodePayload(
  body: string,
): { ok: true; json: string; payload: { readonly [key: string]: unknown }; compressed: boolean } | { ok: false; problem: string } {
  const compressed = body.startsWith('.')
  const raw = base64urlDecode(compressed ? body.slice(1) : body)
  if (raw === null) return { ok: false, problem: 'the payload is not valid base64url' }
  let bytes: Buffer = raw
  if (compressed) {
    try {
      bytes = inflateSync(raw, { maxOutputLength: MAX_PAYLOAD_BYTES })
    } catch (err) {
      const tooLarge = (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE'
      return {
        ok: false,
        problem: tooLarge
          ? `the decompressed payload is larger than ${MAX_PAYLOAD_BYTES} bytes`
          : 'the payload is not a valid zlib stream',
      }
    }
  }
  let json: string
  try {
    json = utf8.decode(bytes)
  } catch {
    return { ok: false, problem: 'the payload is not valid UTF-8' }
  }
  let payload: unknown
  try {
    payload = JSON.parse(json)
  } catch {
    return { ok: false, problem: 'the payload is not valid JSON' }
  }
  if (!isPlainObject(payload)) return { ok: false, problem: 'the payload is not a JSON object' }
  return { ok: true, json, payload, compressed }
}
