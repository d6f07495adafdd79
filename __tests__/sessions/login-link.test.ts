/**
 * One-time login links (`datasette --root`'s, made safe): single use, valid for `validFor`
 * seconds, a cookie for the link's actor that tokenAuth reads back.
 */
import { createGate, createLoginLink, readActorCookie } from 'tokengate'
import { thrown } from '../helpers/thrown.js'

const SECRET = 'login-link-secret'

function setup(validFor = 300) {
  const clock = { now: 1_700_000_000 }
  const gate = createGate({ secret: SECRET }, { now: () => clock.now })
  const link = createLoginLink(gate, { now: () => clock.now, validFor })
  const secretOf = (url: string) => new URL(url, 'http://x').searchParams.get('token')
  return { clock, gate, link, secretOf }
}

describe('createLoginLink', () => {
  test('a link opens one session, for root by default, and never a second', () => {
    const { link, secretOf } = setup()
    const secret = secretOf(link.issue())
    const session = link.redeem(secret)
    expect(session).toMatchObject({ actor: { id: 'root' }, maxAge: 86400 })
    expect(readActorCookie(session?.cookie ?? '', { secrets: SECRET, now: 1_700_000_000 })).toEqual({ id: 'root' })
    expect(link.redeem(secret)).toBeNull()
  })

  test('valid until validFor seconds have passed, not after', () => {
    const { clock, link, secretOf } = setup(60)
    const early = secretOf(link.issue())
    const late = secretOf(link.issue())
    clock.now += 59
    expect(link.redeem(early)).not.toBeNull()
    clock.now += 1
    expect(link.redeem(late)).toBeNull()
  })

  test('links are independent, and unknown or malformed secrets open nothing', () => {
    const { link, secretOf } = setup()
    const a = secretOf(link.issue())
    const b = secretOf(link.issue())
    expect(a).not.toBe(b)
    for (const guess of [undefined, null, '', 'x', 42, 'a'.repeat(500)]) expect(link.redeem(guess)).toBeNull()
    expect(link.redeem(b)).not.toBeNull()
    expect(link.redeem(a)).not.toBeNull()
  })

  test.each([
    ['a gate without a secret', () => createLoginLink(createGate({})), 'No secret is configured'],
    ['a path without a slash', () => createLoginLink(createGate({ secret: SECRET }), { path: 'login' }), '"path" option must be a path starting with "/"'],
    ['validFor 0', () => createLoginLink(createGate({ secret: SECRET }), { validFor: 0 }), '"validFor" option must be a positive whole number of seconds'],
    ['an actor that is not an object', () => createLoginLink(createGate({ secret: SECRET }), { actor: 'root' as never }), '"actor" option must be a JSON object'],
  ])('misuse at creation: %s → TypeError', (_label, make, message) => {
    const error = thrown(make)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toContain(message)
  })
})
