/**
 * Property: reading the presented token from a request agrees with a reference model written
 * from SPEC section 6 ("Header", "Query parameter") for generated Authorization headers (built
 * from scheme spellings, separators, token characters, whitespace of every kind and non-ASCII
 * look-alikes) and query strings. The only error ever thrown is a 400 InvalidRequestError.
 */
import fc from 'fast-check'
import { InvalidRequestError, readToken } from 'tokengate'
import { check, titled } from './runs.js'

/** The schemes the reader is configured with: Bearer, and one with a k (the Kelvin sign K folds to k). */
const SCHEMES = ['Bearer', 'Token']

type Outcome = { token: string; from: 'header' | 'query' } | null | 'invalid_request'

const isWhitespace = (c: string): boolean => /\s/.test(c)
/** SPEC: the scheme is matched case-insensitively, ASCII letters only (RFC 7235 tokens). */
const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase())

/** The SPEC's rules, written out on their own. */
function model(header: string | string[] | undefined, query: Record<string, unknown> | undefined, param: string | null): Outcome {
  let value = header
  if (Array.isArray(value)) {
    if (value.length > 1) return 'invalid_request'
    value = value[0]
  }
  const queryToken = (): Outcome => {
    if (param === null || query === undefined || !Object.hasOwn(query, param)) return null
    const given = query[param]
    if (Array.isArray(given)) return 'invalid_request'
    if (given === undefined) return null
    if (typeof given !== 'string') return 'invalid_request'
    return given === '' ? null : { token: given, from: 'query' }
  }
  if (value === undefined || value === '') return queryToken()
  // The scheme runs to the first space or tab.
  let end = 0
  while (end < value.length && value[end] !== ' ' && value[end] !== '\t') end++
  const scheme = value.slice(0, end)
  if (!SCHEMES.map(asciiLower).includes(asciiLower(scheme))) return null // another scheme: not read, the query neither
  let start = end
  while (value[start] === ' ' || value[start] === '\t') start++
  const token = value.slice(start)
  if (token === '') return 'invalid_request'
  if (value.slice(end, start).includes('\t')) return 'invalid_request'
  if ([...token].some(isWhitespace)) return 'invalid_request'
  const fromQuery = queryToken()
  if (fromQuery === 'invalid_request' || fromQuery !== null) return 'invalid_request' // given twice
  return { token, from: 'header' }
}

function actual(header: string | string[] | undefined, query: Record<string, unknown> | undefined, param: string | null): Outcome {
  try {
    return readToken({ authorization: header, query }, { queryParam: param, schemes: SCHEMES })
  } catch (error) {
    if (error instanceof InvalidRequestError && error.status === 400) return 'invalid_request'
    throw error
  }
}

const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'BeArEr', 'Basic', 'Token', 'TOKEN', 'to\u212Aen', 'Bear', 'Bearerx', 'B\u0435arer', '\u0130Bearer', '')
const separator = fc.constantFrom(' ', '  ', '\t', ' \t', '', '\u00a0', '\n')
const tokenPiece = fc.oneof(
  fc.constantFrom('dstok_abc.def', 'abc', 'a.b.c', 'AbC=', 'apiv3_x', '=', '~+/'),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 3 }),
  fc.constantFrom(' ', '\t', '\u00a0', '\u2028', '\r\n', '\u200b'),
)
const header = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(scheme, separator, fc.array(tokenPiece, { maxLength: 3 })).map(([s, sep, parts]) => `${s}${sep}${parts.join('')}`) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
)
const headers = fc.oneof(
  { weight: 8, arbitrary: header },
  { weight: 1, arbitrary: fc.array(header.map((h) => h ?? ''), { maxLength: 2 }) },
)
const queryValue = fc.oneof(fc.constantFrom<unknown>('', 'qtoken', undefined, 5, null), fc.array(fc.constant('a'), { minLength: 1, maxLength: 2 }))
const query = fc.option(fc.dictionary(fc.constantFrom('_auth_token', 'other'), queryValue, { maxKeys: 2 }), { nil: undefined })
const param = fc.constantFrom<string | null>(null, '_auth_token')

describe('header parsing against a reference model of SPEC section 6', () => {
  test(titled('readToken agrees with the model and throws nothing but a 400'), () => {
    check(
      fc.property(headers, query, param, (h, q, p) => {
        const got = actual(h, q, p)
        const expected = model(h, q, p)
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          throw new Error(`readToken gave ${JSON.stringify(got)}, the model ${JSON.stringify(expected)}`)
        }
        // A token is read verbatim: never trimmed, never case-folded, never empty, no whitespace.
        if (got !== null && got !== 'invalid_request' && (got.token === '' || /\s/.test(got.token))) throw new Error('a bad token was read')
      }),
    )
  })
})
