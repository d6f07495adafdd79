import { InvalidRequestError } from 'tokengate'
import { readToken } from '../../lib/tokens/bearer.js'
import { thrown } from '../helpers/thrown.js'

describe('readToken: the Authorization header (RFC 6750, SPEC section 6)', () => {
  // A Bearer token: scheme case-insensitive, one or more spaces, the token verbatim
  test.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['BeArEr abc', 'abc'],
    ['Bearer    abc', 'abc'],
    ['Bearer dstok_eyJhIjoicm9vdCJ9.sig', 'dstok_eyJhIjoicm9vdCJ9.sig'],
    ['Bearer AbC=', 'AbC='], // no case folding, no trimming of the token's own characters
    ['Bearer a.b.c', 'a.b.c'],
  ])('%j presents %j', (authorization, token) => {
    expect(readToken({ authorization })).toEqual({ token, from: 'header' })
  })

  // No credentials: anonymous
  test.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['the Token scheme, not configured', 'Token abc'],
    ['a scheme that only starts with Bearer', 'Bearerabc'],
  ])('%s presents no token', (_label, authorization) => {
    expect(readToken({ authorization })).toBeNull()
  })

  // Malformed Bearer credentials: 400 invalid_request
  test.each([
    ['Bearer', 'The Authorization header has the Bearer scheme but no token'],
    ['Bearer ', 'The Authorization header has the Bearer scheme but no token'],
    ['Bearer    ', 'The Authorization header has the Bearer scheme but no token'],
    ['Bearer a b', 'The token in the Authorization header must not contain whitespace'],
    ['Bearer abc ', 'The token in the Authorization header must not contain whitespace'],
    ['Bearer abc\t', 'The token in the Authorization header must not contain whitespace'],
    ['Bearer\tabc', 'Separate the Bearer scheme from the token with a space'],
    ['bearer \tabc', 'Separate the bearer scheme from the token with a space'],
  ])('%j is rejected', (authorization, message) => {
    const caught = thrown(() => readToken({ authorization }))
    expect(caught).toBeInstanceOf(InvalidRequestError)
    expect(caught).toMatchObject({ code: 'ERR_INVALID_REQUEST', status: 400, message })
  })

  test('several Authorization headers are rejected, one in a list is read', () => {
    expect(() => readToken({ authorization: ['Bearer a', 'Bearer b'] })).toThrow('Send one Authorization header, not several')
    expect(readToken({ authorization: ['Bearer a'] })).toEqual({ token: 'a', from: 'header' })
  })

  test('a configured scheme carries a token; the default scheme then no longer does', () => {
    expect(readToken({ authorization: 'Token abc' }, { schemes: ['Token'] })).toEqual({ token: 'abc', from: 'header' })
    expect(readToken({ authorization: 'Bearer abc' }, { schemes: ['Token'] })).toBeNull()
    expect(readToken({ authorization: 'token abc' }, { schemes: ['Token', 'Bearer'] })).toEqual({ token: 'abc', from: 'header' })
  })
})

describe('readToken: the query parameter (opt-in)', () => {
  const options = { queryParam: '_auth_token' }

  test('read only when configured', () => {
    expect(readToken({ query: { _auth_token: 'abc' } }, options)).toEqual({ token: 'abc', from: 'query' })
    expect(readToken({ query: { _auth_token: 'abc' } })).toBeNull()
    expect(readToken({ query: { other: 'abc' } }, options)).toBeNull()
  })

  test('an empty value counts as absent', () => {
    expect(readToken({ query: { _auth_token: '' } }, options)).toBeNull()
    expect(readToken({ authorization: 'Bearer abc', query: { _auth_token: '' } }, options)).toEqual({ token: 'abc', from: 'header' })
  })

  test('a Bearer token and a non-empty parameter together are rejected', () => {
    expect(() => readToken({ authorization: 'Bearer abc', query: { _auth_token: 'abc' } }, options)).toThrow(
      'Send the token once: in the Authorization header or in the query string, not both',
    )
  })

  test('with another scheme in the header, the parameter is not read', () => {
    expect(readToken({ authorization: 'Basic dXNlcjpwYXNz', query: { _auth_token: 'abc' } }, options)).toBeNull()
  })

  test('a parameter given twice, or not a string, is rejected', () => {
    expect(() => readToken({ query: { _auth_token: ['a', 'b'] } }, options)).toThrow(
      'Send the _auth_token query parameter once, not several times',
    )
    expect(() => readToken({ query: { _auth_token: { x: 'a' } } }, options)).toThrow(
      'The _auth_token query parameter must be a plain string',
    )
  })

  test('an inherited property is not a parameter', () => {
    expect(readToken({ query: Object.create({ _auth_token: 'abc' }) as Record<string, unknown> }, options)).toBeNull()
  })
})

describe('the scheme is compared with ASCII case folding only (security review, issue 9)', () => {
  test.each([
    ['the Kelvin sign K (U+212A), which toLowerCase folds to k', 'To\u212Aen abc'],
    ['the Kelvin sign in a scheme of the gate\'s own', 'Bearer\u212A abc'],
    ['a dotless capital I (U+0130)', '\u0130nternal abc'],
  ])('%s does not name a configured scheme', (_label, authorization) => {
    expect(readToken({ authorization }, { schemes: ['Token', 'Bearerk', 'internal'] })).toBeNull()
  })

  test.each(['token abc', 'TOKEN abc', 'ToKeN abc'])('near miss: %s (ASCII, any case) does', (authorization) => {
    expect(readToken({ authorization }, { schemes: ['Token'] })).toEqual({ token: 'abc', from: 'header' })
  })
})
