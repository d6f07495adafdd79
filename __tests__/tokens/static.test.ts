/**
 * Static tokens (SPEC section 6, "Static tokens"): lookup by hash, first entry wins, unknown
 * tokens are "not mine", actors are frozen copies, both datasette-auth-tokens forms, and bad
 * entries rejected at construction without the secret in the message.
 */
import { ConfigError, createGate, loadConfig, staticTokenSource } from 'tokengate'
import type { StaticTokenConfig, TokengateConfig } from 'tokengate'
import { thrown } from '../helpers/thrown.js'

const BOT_TOKEN = '5f9a486dd807de632200b17508c75002bb66ca6fde1993db1de6cbd446362589'

function setup(): StaticTokenConfig[] {
  return [
    { token: BOT_TOKEN, actor: { bot_id: 'my-bot' } },
    { token: 'second-secret', actor: { id: 'alice', roles: ['staff'], _r: { a: ['vi'] } } },
  ]
}

describe('staticTokenSource', () => {
  // Lookup: a configured token gives its actor as configured; anything else is not mine.
  test.each([
    ['the first configured token', BOT_TOKEN, { bot_id: 'my-bot' }],
    ['the second configured token', 'second-secret', { id: 'alice', roles: ['staff'], _r: { a: ['vi'] } }],
    ['an unknown token', 'unknown-secret', null],
    ['a configured token with one more character', `${BOT_TOKEN}0`, null],
    ['a configured token missing its last character', BOT_TOKEN.slice(0, -1), null],
    ['a configured token in upper case', BOT_TOKEN.toUpperCase(), null],
    ['a configured token with a trailing newline', `${BOT_TOKEN}\n`, null],
    ['the empty string', '', null],
  ])('%s', (_label, token, expected) => {
    const source = staticTokenSource(setup())
    expect(source.verify(token)?.actor ?? null).toEqual(expected)
  })

  test('is named "static" unless a name is given', () => {
    expect(staticTokenSource([]).name).toBe('static')
    expect(staticTokenSource([], { name: 'bots' }).name).toBe('bots')
  })

  test('adds no keys to the configured actor', () => {
    const actor = staticTokenSource(setup()).verify(BOT_TOKEN)?.actor ?? null
    expect(actor).toStrictEqual({ bot_id: 'my-bot' })
  })

  // Duplicates: the first entry in configuration order wins.
  test('the first of several entries sharing a token value wins', () => {
    const source = staticTokenSource([
      { token: 'shared', actor: { id: 'first' } },
      { token: 'shared', actor: { id: 'second' } },
    ])
    expect(source.verify('shared')?.actor ?? null).toEqual({ id: 'first' })
  })

  test('entries with different values do not shadow each other', () => {
    const source = staticTokenSource([
      { token: 'shared', actor: { id: 'first' } },
      { token: 'shared2', actor: { id: 'second' } },
    ])
    expect(source.verify('shared2')?.actor ?? null).toEqual({ id: 'second' })
  })

  // Immutability: the same deeply frozen copy every time, detached from the configuration.
  test('returns the same frozen object on every call', () => {
    const source = staticTokenSource(setup())
    const first = source.verify('second-secret')?.actor ?? null
    const second = source.verify('second-secret')?.actor ?? null
    expect(first).toBe(second)
    expect(Object.isFrozen(first)).toBe(true)
    expect(Object.isFrozen(first?.['roles'])).toBe(true)
    expect(Object.isFrozen(first?.['_r'])).toBe(true)
    expect(() => {
      ;(first as Record<string, unknown>)['id'] = 'root'
    }).toThrow(TypeError)
    expect(() => {
      ;(first?.['roles'] as string[]).push('admin')
    }).toThrow('object is not extensible') // V8's TypeError, from the realm structuredClone ran in
    expect(first?.['roles']).toEqual(['staff'])
  })

  test('changing the configuration after construction does not change the actor', () => {
    const roles = ['staff']
    const config = [{ token: 'secret', actor: { id: 'alice', roles } }]
    const source = staticTokenSource(config)
    roles.push('admin')
    ;(config[0]!.actor as Record<string, unknown>)['id'] = 'root'
    expect(source.verify('secret')?.actor ?? null).toEqual({ id: 'alice', roles: ['staff'] })
    expect(Object.isFrozen(config[0]!.actor)).toBe(false)
  })

  // Bad entries: TypeError at construction, naming the index, never the secret.
  test.each([
    ['an entry that is not an object', ['just-a-string'], 'Static token at index 0: the entry must be an object such as {"token": "…", "actor": {"id": "bot"}}, got string'],
    ['a null entry', [null], 'Static token at index 0: the entry must be an object such as {"token": "…", "actor": {"id": "bot"}}, got null'],
    ['an empty token', [{ token: '', actor: { id: 'a' } }], 'Static token at index 0: "token" must not be empty: an empty token would never be presented'],
    ['a token that is not a string', [{ token: 42, actor: { id: 'a' } }], 'Static token at index 0: "token" must be a string, got number'],
    ['an unresolved $env reference', [{ token: { $env: 'BOT_TOKEN' }, actor: { id: 'a' } }], 'Static token at index 0: "token" must be a string, got object'],
    ['a missing actor', [{ token: 'sekrit-1' }], 'Static token at index 0: "actor" must be an object such as {"id": "bot"}, got undefined'],
    ['a string actor', [{ token: 'sekrit-1', actor: 'root' }], 'Static token at index 0: "actor" must be an object such as {"id": "bot"}, got string'],
    ['a list actor', [{ token: 'sekrit-1', actor: ['root'] }], 'Static token at index 0: "actor" must be an object such as {"id": "bot"}, got a list'],
    ['a null actor', [{ token: 'sekrit-1', actor: null }], 'Static token at index 0: "actor" must be an object such as {"id": "bot"}, got null'],
    ['a malformed _r at index 1', [{ token: 'ok', actor: { id: 'a' } }, { token: 'sekrit-1', actor: { id: 'b', _r: { a: 'vi' } } }], 'Static token at index 1: "actor" _r.a must be a list of action names'],
    ['a null _r', [{ token: 'sekrit-1', actor: { id: 'b', _r: null } }], 'Static token at index 0: "actor" _r must be an object, got null'],
    ['an actor that is not JSON data', [{ token: 'sekrit-1', actor: { id: 'b', hook: () => 1 } }], 'Static token at index 0: "actor" is not JSON data: it holds a function'],
    ['an actor nested 40 levels deep', [{ token: 'sekrit-1', actor: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) as object }], 'Static token at index 0: "actor" is nested more than 32 levels deep'],
  ])('rejects %s', (_label, tokens, message) => {
    const build = (): unknown => staticTokenSource(tokens as unknown as StaticTokenConfig[])
    const error = thrown(build)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe(message)
    expect((error as Error).message).not.toContain('sekrit')
  })

  test('accepts a well-formed _r, including the empty one', () => {
    const source = staticTokenSource([{ token: 't', actor: { id: 'a', _r: {} } }])
    expect(source.verify('t')?.actor ?? null).toEqual({ id: 'a', _r: {} })
  })

  test('rejects a list that is not a list, and a bad name', () => {
    expect(() => staticTokenSource({} as unknown as StaticTokenConfig[])).toThrow(
      new TypeError('staticTokenSource expects a list of {"token", "actor"} entries, got object'),
    )
    expect(() => staticTokenSource([], { name: '' })).toThrow(new TypeError('"name" option must be a non-empty string, got ""'))
  })
})

describe('static tokens in a configuration', () => {
  const own = { token: 'own', actor: { id: 'own' } }
  const listed = { token: 'listed', actor: { bot_id: 'listed' } }
  const authorization = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` })

  // Sources: tokengate's own list, the 0.1 list form, the object form; own tokens first.
  test.each<[string, TokengateConfig, { token: string; actor: object }[]]>([
    ["tokengate's own tokens", { tokens: [own] }, [own]],
    ['the datasette-auth-tokens list form', { plugins: { 'datasette-auth-tokens': [listed] } }, [listed]],
    ['the datasette-auth-tokens object form', { plugins: { 'datasette-auth-tokens': { tokens: [listed], param: '_auth_token' } } }, [listed]],
    ['both', { tokens: [own], plugins: { 'datasette-auth-tokens': { tokens: [listed] } } }, [own, listed]],
  ])('%s', async (_label, config, expected) => {
    const gate = createGate(config)
    for (const { token, actor } of expected) await expect(gate.authenticate(authorization(token))).resolves.toEqual(actor)
  })

  test('other plugins give no static tokens', async () => {
    const gate = createGate({ plugins: { 'datasette-other': [listed] } })
    await expect(gate.authenticate(authorization('listed'))).rejects.toMatchObject({ reason: 'unknown' })
  })

  test('an own token wins over a datasette-auth-tokens token with the same value', async () => {
    const gate = createGate({
      tokens: [{ token: 'same', actor: { id: 'own' } }],
      plugins: { 'datasette-auth-tokens': [{ token: 'same', actor: { id: 'plugin' } }] },
    })
    await expect(gate.authenticate(authorization('same'))).resolves.toEqual({ id: 'own' })
  })

  // Bad shapes: loadConfig (and so createGate) refuses them with a ConfigError naming the path,
  // never the secret. (Before the seams were reshaped, createGate ran a second, stricter check
  // that loadConfig did not; now the one check is loadConfig's, so their messages are its own.)
  test.each<[string, unknown, string]>([
    ['a bad entry in the own list', { tokens: [{ token: '', actor: { id: 'a' } }] }, 'tokens[0].token: must not be an empty string'],
    [
      'a bad actor in the list form',
      { plugins: { 'datasette-auth-tokens': [{ token: 'sekrit-1', actor: 'root' }] } },
      'plugins.datasette-auth-tokens[0].actor: must be an object; got the string "root"',
    ],
    [
      'a malformed _r in the object form',
      { plugins: { 'datasette-auth-tokens': { tokens: [listed, { token: 'sekrit-1', actor: { _r: [] } }] } } },
      'plugins.datasette-auth-tokens.tokens[1].actor: _r must be an object, got a list',
    ],
    [
      'a param that is not a string',
      { plugins: { 'datasette-auth-tokens': { tokens: [], param: 1 } } },
      'plugins.datasette-auth-tokens.param: must be a string; got the number 1',
    ],
    [
      'own tokens that are not a list',
      { tokens: { token: 'sekrit-1', actor: {} } },
      'tokens: must be a list; got an object',
    ],
  ])('rejects %s in loadConfig and createGate alike', (_label, config, message) => {
    for (const load of [() => loadConfig(config as TokengateConfig), () => createGate(config as TokengateConfig)]) {
      const caught = thrown(load)
      expect(caught).toBeInstanceOf(ConfigError)
      expect((caught as ConfigError).message).toBe(`Invalid tokengate configuration: ${message}`)
      expect((caught as ConfigError).message).not.toContain('sekrit')
    }
  })
})
