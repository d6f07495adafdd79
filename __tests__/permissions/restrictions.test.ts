import { RestrictionsBuilder, compactRestrictions, isRestrictions, restrictionsAllow } from 'tokengate'

describe('compactRestrictions: what a new token carries', () => {
  test.each([
    // known actions become abbreviations, unknown names are kept as given
    [{ a: ['view-instance', 'vt', 'my-custom'] }, { a: ['vi', 'vt', 'my-custom'] }],
    // actions without an abbreviation keep their full name
    [{ a: ['auth-tokens-create'] }, { a: ['auth-tokens-create'] }],
    [{ d: { docs: ['view-query'] } }, { d: { docs: ['vq'] } }],
    [{ r: { docs: { documents: ['insert-row', 'update-row'] } } }, { r: { docs: { documents: ['ir', 'ur'] } } }],
    // empty lists and empty a/d/r keys are dropped
    [{ a: [], d: { docs: [] }, r: { docs: { t: [] } } }, undefined],
    [{ a: ['vi'], d: {}, r: {} }, { a: ['vi'] }],
    [{ d: { docs: [], other: ['vd'] } }, { d: { other: ['vd'] } }],
    // an empty _r is no _r at all
    [{}, undefined],
    [undefined, undefined],
    // a database or table named __proto__ is an ordinary key
    [JSON.parse('{"d": {"__proto__": ["view-table"]}}'), JSON.parse('{"d": {"__proto__": ["vt"]}}')],
    [JSON.parse('{"r": {"__proto__": {"__proto__": ["vt"]}}}'), JSON.parse('{"r": {"__proto__": {"__proto__": ["vt"]}}}')],
  ])('%j → %j', (input, expected) => {
    const out = compactRestrictions(input)
    expect(out).toEqual(expected)
    if (out !== undefined) expect(JSON.stringify(out)).toBe(JSON.stringify(expected))
  })
})

describe('RestrictionsBuilder', () => {
  test('builds the seed example of datasette create-token', () => {
    const built = new RestrictionsBuilder()
      .allowAll('view-instance')
      .allowAll('view-table')
      .allowDatabase('docs', 'view-query')
      .allowResource('docs', 'documents', 'insert-row')
      .allowResource('docs', 'documents', 'update-row')
      .build()
    expect(compactRestrictions(built)).toEqual({
      a: ['vi', 'vt'],
      d: { docs: ['vq'] },
      r: { docs: { documents: ['ir', 'ur'] } },
    })
  })

  test('nothing allowed builds {} (deny everything), and names like __proto__ are kept', () => {
    expect(new RestrictionsBuilder().build()).toEqual({})
    const built = new RestrictionsBuilder().allowDatabase('__proto__', 'vt').allowResource('__proto__', 'constructor', 'vt').build()
    expect(Object.keys(built.d ?? {})).toEqual(['__proto__'])
    expect(restrictionsAllow(built, 'view-table', { database: '__proto__', resource: 'x' })).toBe(true)
    expect(restrictionsAllow(built, 'view-table', { database: 'other', resource: 'x' })).toBe(false)
  })
})

describe('isRestrictions: the shape of _r', () => {
  test.each([
    [{}, true],
    [{ a: ['vi'] }, true],
    [{ a: ['vi'], d: { docs: ['vq'] }, r: { docs: { t: ['ir'] } } }, true],
    [null, false],
    [[], false],
    ['vi', false],
    [{ a: 'vi' }, false],
    [{ a: [1] }, false],
    [{ d: ['vq'] }, false],
    [{ d: { docs: 'vq' } }, false],
    [{ r: { docs: ['ir'] } }, false],
    [{ r: { docs: { t: 'ir' } } }, false],
    [{ x: [] }, false],
  ])('%j → %s', (value, expected) => {
    expect(isRestrictions(value)).toBe(expected)
  })
})

describe('restrictionsAllow: misuse', () => {
  test('an unknown action in a check throws ERR_UNKNOWN_ACTION', () => {
    expect(() => restrictionsAllow({ a: ['vt'] }, 'view-tables')).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_ACTION' }))
  })
  test('a malformed _r admits nothing', () => {
    expect(restrictionsAllow(null, 'view-instance')).toBe(false)
    expect(restrictionsAllow({ a: 'vi' }, 'view-instance')).toBe(false)
    expect(restrictionsAllow(undefined, 'view-instance')).toBe(true)
  })
})

describe('restrictionsAllow: a resource needs its database', () => {
  test('like a check, a resource without a database is a programming error', () => {
    expect(() => restrictionsAllow({ a: ['vt'] }, 'view-table', { resource: 't' })).toThrow(
      'A check on resource "t" needs its database as well',
    )
    expect(restrictionsAllow({ a: ['vt'] }, 'view-table', { database: 'd', resource: 't' })).toBe(true)
  })
})
