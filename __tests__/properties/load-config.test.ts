/**
 * Property: loading generated configurations, with random secrets in every position where a
 * secret may be written (rightly or wrongly: a token where an entry belongs, under a misspelt
 * key, as a key, a secret where the jwt block belongs, a password in a store or key-set URL,
 * values from `$env`), either gives a
 * deep-frozen configuration or one ConfigError listing problems; nothing else is thrown; no
 * error message contains a secret; and for a configuration that loads, no printed form of the
 * gate or its configuration (`util.inspect`, `JSON.stringify(gate.config)`) contains one. (`%o` and `showHidden` are covered once, in gate.test.ts: inspecting every
 * generated gate that way would cost most of this test's time.)
 */
import util from 'node:util'
import fc from 'fast-check'
import { ConfigError, createGate, loadConfig } from 'tokengate'
import { redactedView } from '../../lib/config/redact.js'
import { check, titled } from './runs.js'

/** A recognisable random secret: a fixed prefix, so no other string of a configuration contains it. */
const secret = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 10, maxLength: 24 }).map((s) => `Zk9${s}`)

interface Generated {
  config: Record<string, unknown>
  env: Record<string, string>
  secrets: string[]
}

const actor = fc.constantFrom<unknown>({ id: 'bot' }, { bot_id: 'b', roles: ['x'] }, 'bot', null, { id: 'a', _r: { a: ['vi'] } }, { id: 'a', _r: null })
const tokenList = (s: string, s2: string) =>
  fc.constantFrom<unknown>(
    [{ token: s, actor: { id: 'bot' } }],
    [s],
    s,
    [{ [s]: { id: 'bot' } }],
    [{ tokn: s, actor: { id: 'bot' } }],
    [{ token: s, actor: 'bot' }],
    [{ token: s, actor: { id: 'bot' } }, { token: s2, actor: { id: 'other' } }],
    [{ token: s, actor: { id: 'bot' }, extra: s2 }],
    [{ token: { $env: 'BOT_TOKEN' }, actor: { id: 'bot' } }],
    [12345],
  )
const generated: fc.Arbitrary<Generated> = fc
  .tuple(secret, secret, secret, secret, fc.context())
  .chain(([s1, s2, s3, s4]) =>
    fc
      .record(
        {
          secret: fc.constantFrom<unknown>(s1, [s1, s2], { value: s1 }, [s1, 5], '', [], { $env: 'SIGNING' }),
          tokens: tokenList(s2, s3),
          plugins: fc.oneof(
            tokenList(s3, s4).map((list) => ({ 'datasette-auth-tokens': list })),
            tokenList(s3, s4).map((list) => ({ 'datasette-auth-tokens': { tokens: list, param: '_auth_token' } })),
            tokenList(s3, s4).map((list) => ({ 'datasette-auth-tokens': { tokens: list, param: 5 } })),
          ),
          jwt: fc.constantFrom<unknown>(
            { algorithms: ['HS256'], secret: s4 },
            { algorithms: ['HS256'], secret: `${s4}-at-least-32-bytes-long-0000` },
            { algorithms: ['RS256'], secret: s4 },
            { algorithms: ['HS256'], secret: s4, secert: s1 },
            { algorithms: 'HS256', secret: s4 },
            { algorithms: ['XX256'], secret: s4 },
            { secret: s4 },
            s4,
            { algorithms: ['HS256'], secret: { $env: 'JWT_SECRET' } },
            { algorithms: ['RS256'], jwks_uri: `https://reader:${s4}@id.example/jwks.json` },
            { algorithms: ['RS256'], jwks_uri: `http://reader:${s4}@id.example/jwks.json` },
            { algorithms: ['RS256'], jwks_url: `https://reader:${s4}@id.example/jwks.json` },
          ),
          // A store URL may carry a password: redacted and never quoted, whatever is wrong with it.
          token_store: fc.constantFrom<unknown>(
            `postgres://tokengate:${s1}@127.0.0.1:1/tokens`,
            `postgresql://tokengate:${s1}@127.0.0.1:99999/tokens`,
            `mysql://tokengate:${s1}@127.0.0.1/tokens`,
            `tokengate:${s1}@127.0.0.1/tokens`,
            [`postgres://tokengate:${s1}@127.0.0.1:1/tokens`],
            { $env: 'SIGNING' },
          ),
          allow: fc.constantFrom<unknown>(true, 'root', 5, { id: 'bob' }, { id: { x: 1 } }, { _r: '*' }, { $env: 'ALLOW' }),
          databases: fc.constantFrom<unknown>({ docs: { allow: { id: 'bot' } } }, { docs: null }, { docs: { tables: { t: { allow: 'x' } } } }, { token: { allow: 'public-value' } }),
          settings: fc.constantFrom<unknown>({ default_deny: true }, { default_deny: 'yes' }, { signed_tokens_clock_skew: -1 }),
          tokens_file_actor: actor,
        },
        { requiredKeys: [] },
      )
      .chain((config) =>
        fc.record({ SIGNING: fc.constantFrom(s1, undefined), BOT_TOKEN: fc.constantFrom(s2, undefined), JWT_SECRET: fc.constantFrom(`${s4}-at-least-32-bytes-long-0000`, undefined), ALLOW: fc.constantFrom(s3, undefined) }).map((envs) => {
          const env = Object.fromEntries(Object.entries(envs).filter((entry): entry is [string, string] => entry[1] !== undefined))
          const { tokens_file_actor: _unused, ...rest } = config
          return { config: rest, env, secrets: [s1, s2, s3, s4] }
        }),
      ),
  )

function leaked(text: string, secrets: readonly string[]): string | undefined {
  return secrets.find((s) => text.includes(s) || text.includes(s.slice(0, 12)))
}

describe('configuration loading with random secrets', () => {
  test(titled('loads or throws one ConfigError, and no message or printed form contains a secret'), () => {
    check(
      fc.property(generated, fc.integer({ min: 0, max: 9 }), ({ config, env, secrets }, draw) => {
        let loaded: unknown
        try {
          loaded = loadConfig(config, { env })
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error
          if (error.problems.length === 0) throw new Error('a ConfigError without problems')
          const found = leaked(`${error.message}\n${JSON.stringify(error.problems)}`, secrets)
          if (found !== undefined) throw new Error(`the ConfigError shows the secret ${found}: ${error.message}`)
          return
        }
        if (!Object.isFrozen(loaded)) throw new Error('the loaded configuration is not frozen')
        // What gate.config is; a whole gate (the slow part) one time in ten.
        const printed = [JSON.stringify(redactedView(loaded as object)), util.inspect(loaded, { depth: 6 })]
        if (draw === 0) {
          let gate
          try {
            gate = createGate(config, { env })
          } catch (error) {
            // The gate checks more than loading does (a token_store's scheme): the same rules.
            if (!(error instanceof ConfigError)) throw error
            const found = leaked(`${error.message}\n${JSON.stringify(error.problems)}`, secrets)
            if (found !== undefined) throw new Error(`the gate's ConfigError shows the secret ${found}: ${error.message}`)
            return
          }
          printed.push(util.inspect(gate, { depth: 6 }), JSON.stringify(gate.config))
        }
        const found = leaked(printed.join('\n'), secrets)
        if (found !== undefined) throw new Error(`a printed gate or configuration shows the secret ${found}`)
      }),
    )
  })
})
