/**
 * Cross-origin protection for cookie sessions (SPEC section 10), as Datasette 1.0a37's
 * `datasette/csrf.py` and Go's `CrossOriginProtection`: the rule as a table, each refusal next
 * to the request that passes.
 */
import { CrossOriginError, checkCrossOrigin } from 'tokengate'
import { crossOriginProblem } from '../../lib/sessions/cross-origin.js'
import { thrown } from '../helpers/thrown.js'

const OWN = 'https://tokens.example'
const COOKIE = { cookie: 'ds_actor=x' }

type Row = [string, string, Record<string, string>, string | null]

describe('crossOriginProblem', () => {
  test.each<Row>([
    // Safe methods are never checked.
    ['a cross-site GET', 'GET', { ...COOKIE, 'sec-fetch-site': 'cross-site' }, null],
    ['a cross-site HEAD', 'HEAD', { ...COOKIE, 'sec-fetch-site': 'cross-site' }, null],
    ['a cross-site OPTIONS', 'OPTIONS', { ...COOKIE, 'sec-fetch-site': 'cross-site' }, null],
    // Without a cookie there is no session to abuse (a bearer client).
    ['a cross-site POST without a cookie', 'POST', { 'sec-fetch-site': 'cross-site', authorization: 'Bearer x' }, null],
    // Sec-Fetch-Site first.
    ['Sec-Fetch-Site cross-site', 'POST', { ...COOKIE, 'sec-fetch-site': 'cross-site' }, 'Sec-Fetch-Site is "cross-site", not same-origin'],
    ['Sec-Fetch-Site same-site', 'DELETE', { ...COOKIE, 'sec-fetch-site': 'same-site' }, 'Sec-Fetch-Site is "same-site", not same-origin'],
    ['  near miss: Sec-Fetch-Site same-origin', 'POST', { ...COOKIE, 'sec-fetch-site': 'same-origin' }, null],
    ['  near miss: Sec-Fetch-Site none (typed, bookmarked)', 'PATCH', { ...COOKIE, 'sec-fetch-site': 'none' }, null],
    ['Sec-Fetch-Site wins over a matching Origin', 'POST', { ...COOKIE, 'sec-fetch-site': 'cross-site', origin: OWN }, 'Sec-Fetch-Site is "cross-site", not same-origin'],
    ['  near miss: Sec-Fetch-Site same-origin wins over a foreign Origin', 'POST', { ...COOKIE, 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' }, null],
    // Origin as the fallback.
    ['a foreign Origin', 'POST', { ...COOKIE, origin: 'https://evil.example' }, 'the Origin "https://evil.example" is not this server\'s origin'],
    ['another port', 'POST', { ...COOKIE, origin: 'https://tokens.example:8443' }, 'the Origin "https://tokens.example:8443" is not this server\'s origin'],
    ['another scheme', 'POST', { ...COOKIE, origin: 'http://tokens.example' }, 'the Origin "http://tokens.example" is not this server\'s origin'],
    ['a subdomain', 'POST', { ...COOKIE, origin: 'https://a.tokens.example' }, 'the Origin "https://a.tokens.example" is not this server\'s origin'],
    ['Origin null', 'POST', { ...COOKIE, origin: 'null' }, 'the Origin header "null" is not an origin'],
    ['a malformed Origin', 'POST', { ...COOKIE, origin: 'tokens.example' }, 'the Origin header "tokens.example" is not an origin'],
    ['an Origin with a path', 'POST', { ...COOKIE, origin: 'https://tokens.example/x' }, 'the Origin header "https://tokens.example/x" is not an origin'],
    ['  near miss: the own origin', 'POST', { ...COOKIE, origin: OWN }, null],
    ['  near miss: the own origin with its default port', 'POST', { ...COOKIE, origin: 'https://tokens.example:443' }, null],
    ['  near miss: the own origin, upper case', 'POST', { ...COOKIE, origin: 'HTTPS://TOKENS.EXAMPLE' }, null],
    // Neither header: not a browser.
    ['neither header (curl)', 'POST', { ...COOKIE }, null],
  ])('%s', (_label, method, headers, problem) => {
    expect(crossOriginProblem({ method, headers, origin: OWN })).toBe(problem)
  })

  test('the server origin is computed only when compared', () => {
    let asked = 0
    const origin = () => {
      asked++
      return OWN
    }
    crossOriginProblem({ method: 'POST', headers: { ...COOKIE, 'sec-fetch-site': 'same-origin' }, origin })
    expect(asked).toBe(0)
    crossOriginProblem({ method: 'POST', headers: { ...COOKIE, origin: OWN }, origin })
    expect(asked).toBe(1)
  })

  test('checkCrossOrigin throws a 403 CrossOriginError, no challenge', () => {
    const error = thrown(() => checkCrossOrigin({ method: 'POST', headers: { ...COOKIE, 'sec-fetch-site': 'cross-site' }, origin: OWN }))
    expect(error).toBeInstanceOf(CrossOriginError)
    expect(error).toMatchObject({ code: 'ERR_CROSS_ORIGIN', status: 403, headers: {}, message: 'Cross-origin request refused: Sec-Fetch-Site is "cross-site", not same-origin' })
    expect(() => checkCrossOrigin({ method: 'POST', headers: { ...COOKIE, 'sec-fetch-site': 'same-origin' }, origin: OWN })).not.toThrow()
  })
})
