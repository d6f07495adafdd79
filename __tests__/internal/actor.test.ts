/**
 * lib/internal/actor.ts: the one way an actor is built. Its property test is
 * __tests__/properties/actor.test.ts; these are the edges, each with its near miss.
 */
import { buildActor, defineOwn, isBuiltActor, newActor } from '../../lib/internal/actor.js'

describe('buildActor', () => {
  test.each<[string, unknown, string]>([
    ['a list', ['root'], 'must be an object, got a list'],
    ['null', null, 'must be an object, got null'],
    ['a string', 'root', 'must be an object, got string'],
    ['a function inside', { id: 'a', hook: () => 1 }, 'is not JSON data: it holds a function'],
    ['a Date inside', { since: new Date(0) }, 'is not JSON data: it holds a Date'],
    ['a Map inside', { m: new Map() }, 'is not JSON data: it holds a Map'],
    ['NaN inside', { n: Number.NaN }, 'is not JSON data: it holds NaN'],
    ['a bigint inside', { n: 1n }, 'is not JSON data: it holds a bigint'],
    ['an inherited prototype', Object.create({ id: 'root' }) as object, 'is not JSON data: it holds an object that is not plain data'],
  ])('refuses %s', (_label, value, problem) => {
    expect(buildActor(value)).toEqual({ ok: false, kind: 'not_json', problem })
  })

  test('depth: 32 levels are accepted, 33 are not, and a cycle is too deep', () => {
    const nest = (levels: number): unknown => (levels === 1 ? {} : { a: nest(levels - 1) })
    expect(buildActor(nest(32)).ok).toBe(true)
    expect(buildActor(nest(33))).toEqual({ ok: false, kind: 'too_deep', problem: 'is nested more than 32 levels deep' })
    const cycle: Record<string, unknown> = {}
    cycle['self'] = cycle
    expect(buildActor(cycle)).toMatchObject({ ok: false, kind: 'too_deep' })
  })

  test('length: measured as JSON characters, the limit included', () => {
    const fits = { s: 'x'.repeat(10) } // {"s":"xxxxxxxxxx"} is 18 characters
    expect(JSON.stringify(fits)).toHaveLength(18)
    expect(buildActor(fits, { maxLength: 18 })).toMatchObject({ ok: true, length: 18 })
    expect(buildActor(fits, { maxLength: 17 })).toEqual({ ok: false, kind: 'too_large', problem: 'is larger than 17 characters of JSON' })
  })

  test('undefined values are left out of objects and are null in lists, as JSON.stringify does', () => {
    const built = buildActor({ id: 'a', email: undefined, list: [undefined, 1] })
    expect(built).toMatchObject({ ok: true, actor: { id: 'a', list: [null, 1] } })
    expect(built.ok && Object.hasOwn(built.actor, 'email')).toBe(false)
  })

  test('a null-prototype object and another realm\'s plain object are plain data', () => {
    const bare = Object.assign(Object.create(null) as object, { id: 'a' })
    const built = buildActor(bare)
    expect(built.ok && Object.getPrototypeOf(built.actor)).toBe(Object.prototype)
    expect(buildActor(structuredClone({ id: 'a' })).ok).toBe(true)
  })

  test('built actors are remembered; copies of them are new objects', () => {
    const input = { id: 'a' }
    const built = buildActor(input)
    expect(built.ok && isBuiltActor(built.actor)).toBe(true)
    expect(isBuiltActor(input)).toBe(false)
    expect(isBuiltActor(newActor())).toBe(true)
  })
})

describe('defineOwn', () => {
  test('"__proto__" becomes an own data property, not the prototype; other keys are plain assignments', () => {
    const target: Record<string, unknown> = {}
    defineOwn(target, '__proto__', { id: 'root' })
    defineOwn(target, 'name', 'x')
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(target, '__proto__')).toEqual({ value: { id: 'root' }, writable: true, enumerable: true, configurable: true })
    expect(target['id']).toBeUndefined()
    expect(JSON.stringify(target)).toBe('{"__proto__":{"id":"root"},"name":"x"}')
  })
})
