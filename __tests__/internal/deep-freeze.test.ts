import { deepFreeze } from '../../lib/internal/deep-freeze.js'

describe('deepFreeze', () => {
  test('freezes shared and cyclic references once, and returns the value', () => {
    const shared = { a: [1] }
    const cyclic: { self?: unknown; shared: typeof shared; also: typeof shared } = { shared, also: shared }
    cyclic.self = cyclic
    expect(deepFreeze(cyclic)).toBe(cyclic)
    expect(Object.isFrozen(cyclic)).toBe(true)
    expect(Object.isFrozen(shared.a)).toBe(true)
    expect(deepFreeze('text')).toBe('text')
  })
})
