/**
 * The note on an Authorization header that was not read (SPEC section 6: another scheme leaves
 * the request anonymous), which a guard's 401 carries. The HTTP side, through real apps, is in
 * the adapters' shared case table; here, every shape of header, and that no token ever shows.
 */
import { randomBytes } from 'node:crypto'
import { ignoredCredentialsNote } from '../../lib/tokens/ignored-credentials.js'

const BEARER = { schemes: ['Bearer'], unknownTokens: 'reject' } as const
const TOKEN = 'secret-token-7f3a9c0d1e2b'

describe('ignoredCredentialsNote', () => {
  test.each([
    ['no header', undefined, null],
    ['an empty header', '', null],
    ['only spaces', '   ', null],
    ['several headers (already a 400)', ['Token a', 'Token b'], null],
    ['a Bearer token (read; no note)', `Bearer ${TOKEN}`, null],
    ['"Bearer" alone (already a 400)', 'Bearer', null],
    ['Token', `Token ${TOKEN}`, 'the Authorization header uses the "Token" scheme; this server reads Bearer'],
    ['JWT', `JWT ${TOKEN}`, 'the Authorization header uses the "JWT" scheme; this server reads Bearer'],
    ['Basic', 'Basic dXNlcjpwYXNz', 'the Authorization header uses the "Basic" scheme; this server reads Bearer'],
    ['a known scheme in another case, echoed as written', `token ${TOKEN}`, 'the Authorization header uses the "token" scheme; this server reads Bearer'],
    ['a single header in a list', [`Token ${TOKEN}`], 'the Authorization header uses the "Token" scheme; this server reads Bearer'],
    ['Bearer: with a colon', `Bearer: ${TOKEN}`, 'the Authorization header writes the scheme with a colon ("Bearer:"); send "Bearer <token>", without the colon'],
    ['Bearer: with a tab', `Bearer:\t${TOKEN}`, 'the Authorization header writes the scheme with a colon ("Bearer:"); send "Bearer <token>", without the colon'],
    ['Bearer:token without a space', `Bearer:${TOKEN}`, 'the Authorization header has a value but no scheme; this server reads "Bearer <token>"'],
    ['a bare token', TOKEN, 'the Authorization header has a value but no scheme; this server reads "Bearer <token>"'],
    ['a bare token with spaces around it', `  ${TOKEN}  `, 'the Authorization header has a value but no scheme; this server reads "Bearer <token>"'],
    ['an unknown word before a space', `${TOKEN} more`, 'the Authorization header uses a scheme this server does not read; it reads Bearer'],
    ['a colon after another scheme is another scheme', `Token: ${TOKEN}`, 'the Authorization header uses a scheme this server does not read; it reads Bearer'],
  ])('%s', (_label, header, note) => {
    expect(ignoredCredentialsNote(header, BEARER)).toBe(note)
  })

  test('schemes compare with ASCII case folding only, as the reader does (issue 9): a Kelvin sign is another scheme', () => {
    const options = { schemes: ['Token'], unknownTokens: 'anonymous' } as const
    // The reader never looked at it, so the note must not say it was read and not known.
    expect(ignoredCredentialsNote(`To\u212Aen ${TOKEN}`, options)).toBe('the Authorization header uses a scheme this server does not read; it reads Token')
    expect(ignoredCredentialsNote(`To\u212Aen: ${TOKEN}`, options)).toBe('the Authorization header uses a scheme this server does not read; it reads Token')
    expect(ignoredCredentialsNote(`\u212Aey ${TOKEN}`, BEARER)).toBe('the Authorization header uses a scheme this server does not read; it reads Bearer')
    // Near misses: the ASCII spellings, in any case.
    expect(ignoredCredentialsNote(`toKEN ${TOKEN}`, options)).toBe('the toKEN token is not one this server knows, and unknown tokens count as anonymous here')
    expect(ignoredCredentialsNote(`KEY ${TOKEN}`, BEARER)).toBe('the Authorization header uses the "KEY" scheme; this server reads Bearer')
  })

  test('the schemes the gate reads are named, as configured', () => {
    const options = { schemes: ['Bearer', 'Token'], unknownTokens: 'reject' } as const
    expect(ignoredCredentialsNote(`JWT ${TOKEN}`, options)).toBe('the Authorization header uses the "JWT" scheme; this server reads Bearer or Token')
    // near miss: Token is read here, so there is nothing to say
    expect(ignoredCredentialsNote(`Token ${TOKEN}`, options)).toBeNull()
    expect(ignoredCredentialsNote(TOKEN, { schemes: ['Token'], unknownTokens: 'reject' })).toBe(
      'the Authorization header has a value but no scheme; this server reads "Token <token>"',
    )
  })

  test("with unknownTokens: 'anonymous', a token of the gate's scheme was read but not known", () => {
    expect(ignoredCredentialsNote(`Bearer ${TOKEN}`, { schemes: ['Bearer'], unknownTokens: 'anonymous' })).toBe(
      'the Bearer token is not one this server knows, and unknown tokens count as anonymous here',
    )
  })

  test('no note ever contains the token, whatever the header looks like', () => {
    const shapes = (token: string): string[] => [token, `${token} x`, `x ${token}`, `Token ${token}`, `Bearer: ${token}`, `${token}: x`, `Bearer:${token}`, `  ${token}`]
    for (let i = 0; i < 200; i++) {
      const token = randomBytes(6 + (i % 40)).toString(i % 2 === 0 ? 'base64url' : 'hex')
      for (const header of shapes(token)) {
        for (const unknownTokens of ['reject', 'anonymous'] as const) {
          const note = ignoredCredentialsNote(header, { schemes: ['Bearer'], unknownTokens }) ?? ''
          expect(note.includes(token) ? `${header} → ${note}` : 'never echoed').toBe('never echoed')
        }
      }
    }
  })
})
