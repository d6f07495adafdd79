/**
 * Tests that keep the documentation and the packaging honest (STYLE habit 14): error codes and
 * messages against docs/errors.md, exported error classes against ERROR_CODES, relative links,
 * documented subpaths against package.json "exports", and the options the adapter pages list.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import * as api from 'tokengate'
import * as expressApi from 'tokengate/express'
import * as fastifyApi from 'tokengate/fastify'
import * as koaApi from 'tokengate/koa'
import { ERROR_CODES, INVALID_TOKEN_REASONS } from '../lib/errors.js'

const ROOT = resolve(__dirname, '..')
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

const ERRORS_MD = read('docs/errors.md')
const MARKDOWN_FILES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]

/** The text of docs/errors.md under one `## CODE` heading, up to the next `## `. */
function section(code: string): string {
  const start = ERRORS_MD.indexOf(`\n## ${code}\n`)
  if (start === -1) return ''
  const next = ERRORS_MD.indexOf('\n## ', start + 1)
  return ERRORS_MD.slice(start, next === -1 ? undefined : next)
}

describe('docs/errors.md and ERROR_CODES', () => {
  const headings = [...ERRORS_MD.matchAll(/^#{1,6} .*$/gm)].map((m) => m[0])
  const codeHeadings = headings.filter((h) => /ERR_[A-Z_]+/.test(h))

  test('every code is a "## CODE" heading, once, in the order of ERROR_CODES', () => {
    expect(codeHeadings).toEqual(ERROR_CODES.map((code) => `## ${code}`))
  })

  test('no heading names a code that ERROR_CODES does not have', () => {
    const named = codeHeadings.flatMap((h) => h.match(/ERR_[A-Z_]+/g) ?? [])
    expect(named.filter((code) => !(ERROR_CODES as readonly string[]).includes(code))).toEqual([])
  })

  // One way to make each exported concrete error class, so its code can be read off an instance.
  // A new exported class without an entry here (or in ABSTRACT) fails the next test.
  const makers: Record<string, () => api.AnyTokengateError> = {
    ConfigError: () => new api.ConfigError([{ path: 'allow', message: 'x' }]),
    UnknownActionError: () => new api.UnknownActionError('x'),
    InvalidRequestError: () => new api.InvalidRequestError('x'),
    InvalidTokenError: () => new api.InvalidTokenError('x'),
    AuthenticationRequiredError: () => new api.AuthenticationRequiredError({ action: 'x', database: null, resource: null }),
    ForbiddenError: () => new api.ForbiddenError({ action: 'x', database: null, resource: null }),
    PermissionStringError: () => new api.PermissionStringError('x', 'x'),
    MiddlewareOrderError: () => new api.MiddlewareOrderError('x'),
    InvalidParameterError: () => new api.InvalidParameterError('action', 'x'),
    NotFoundError: () => new api.NotFoundError('x'),
    ConflictError: () => new api.ConflictError('x'),
    RateLimitError: () => new api.RateLimitError(1),
    StoreUnavailableError: () => new api.StoreUnavailableError(),
    CrossOriginError: () => new api.CrossOriginError('x'),
    UnsupportedMediaTypeError: () => new api.UnsupportedMediaTypeError('x'),
    PayloadTooLargeError: () => new api.PayloadTooLargeError('x'),
  }
  const ABSTRACT = ['TokengateError', 'AuthError', 'HttpError']
  const exportedErrorClasses = Object.entries(api)
    .filter(([, value]) => typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Error)
    .map(([name]) => name)
    .sort()

  test('the exported error classes are exactly the ones this test knows how to make, and the three bases', () => {
    expect(exportedErrorClasses).toEqual([...Object.keys(makers), ...ABSTRACT].sort())
  })

  test.each(Object.entries(makers))("%s has a code in ERROR_CODES, as a static and on instances, and the code's section names the class", (name, make) => {
    const error = make()
    expect(error).toBeInstanceOf(api.TokengateError)
    expect(error.name).toBe(name)
    expect(ERROR_CODES).toContain(error.code)
    expect((api as unknown as Record<string, { code: string }>)[name]?.code).toBe(error.code)
    expect(section(error.code)).toContain(`\`${name}\``)
  })

  test('each class has its own code', () => {
    const codes = Object.values(makers).map((make) => make().code)
    expect(new Set(codes).size).toBe(codes.length)
    expect([...codes].sort()).toEqual([...ERROR_CODES].sort())
  })

  test('only credential errors carry a challenge', () => {
    for (const make of Object.values(makers)) {
      const error = make()
      const challenged = 'WWW-Authenticate' in error.headers
      expect([error.code, challenged]).toEqual([error.code, error instanceof api.AuthError && error.status < 500])
    }
  })

  test.each(ERROR_CODES.map((code) => [code]))('the %s section states the status and the challenge', (code) => {
    const text = section(code)
    expect(text).toMatch(/\| status \| \d{3}/)
    expect(text).toMatch(/\| challenge \| /)
  })
})

describe('InvalidTokenError reasons and docs/errors.md', () => {
  /** The reasons table of docs/errors.md: the table under "### Reasons". */
  const table = section('ERR_INVALID_TOKEN').split('### Reasons')[1]?.split('\n\n')[2] ?? ''
  const documented = [...table.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1])

  test('every reason is documented, once, in the order of INVALID_TOKEN_REASONS', () => {
    expect(documented).toEqual([...INVALID_TOKEN_REASONS])
  })

  // Every place lib/ throws an InvalidTokenError says why (a custom source may leave it out and
  // get `rejected`; the library's own code may not).
  const files = readdirSync(join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))
  const calls = files.flatMap((file) =>
    [...read(`lib/${file}`).matchAll(/new InvalidTokenError\(/g)].map((m) => {
      const text = read(`lib/${file}`)
      let depth = 0
      let end = (m.index ?? 0) + m[0].length - 1
      for (; end < text.length; end++) {
        if (text[end] === '(') depth++
        else if (text[end] === ')' && --depth === 0) break
      }
      return [file, text.slice(m.index, end + 1)] as const
    }),
  )

  test('the scan finds the throw sites (it is not vacuous)', () => {
    expect(calls.length).toBeGreaterThan(25)
  })

  test.each(calls)('%s: %s names its reason', (_file, call) => {
    expect(call).toMatch(/reason: '[a-z_]+'/)
    const reason = /reason: '([a-z_]+)'/.exec(call)?.[1]
    expect(INVALID_TOKEN_REASONS).toContain(reason)
  })
})

/** The relative link targets of a Markdown text, without their `#fragment`. */
function relativeLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '')
  return [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1] ?? '')
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'))
    .map((target) => target.split('#')[0] ?? '')
}

describe('relative links in README.md and docs/*.md', () => {
  const links = MARKDOWN_FILES.flatMap((file) => relativeLinks(read(file)).map((target) => [file, target] as const))

  test('there are links to check', () => {
    expect(links.length).toBeGreaterThan(5)
  })

  const exists = ([file, target]: readonly [string, string]): boolean => existsSync(join(ROOT, dirname(file), decodeURIComponent(target)))

  test.each(links)('%s → %s exists', (file, target) => {
    expect(exists([file, target])).toBe(true)
  })

  /** GitHub's anchor for a heading: lower-case, punctuation dropped, spaces to hyphens. */
  const anchorOf = (heading: string): string =>
    heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')

  const anchored = MARKDOWN_FILES.flatMap((file) =>
    [...read(file).replace(/```[\s\S]*?```/g, '').matchAll(/\]\(([^)\s#]*\.md)?#([^)\s]+)\)/g)].map(
      (m) => [file, m[1] ?? '', m[2] ?? ''] as const,
    ),
  )
  test.each(anchored)('%s → %s#%s is a heading there', (file, target, anchor) => {
    const path = target === '' ? file : join(dirname(file), target)
    if (!existsSync(join(ROOT, path))) return // reported by the test above
    const anchors = [...read(path).replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.*)$/gm)].map((m) => anchorOf(m[1] ?? ''))
    expect(anchors).toContain(anchor)
  })
})

describe('documented subpaths and package.json "exports"', () => {
  const pkg = JSON.parse(read('package.json')) as { name: string; exports: Record<string, unknown> }
  const exported = Object.keys(pkg.exports)

  const documented = [
    ...new Set(
      MARKDOWN_FILES.flatMap((file) => [...read(file).matchAll(/['"`](tokengate(?:\/[\w./-]+)?)['"`]/g)].map((m) => m[1] ?? '')),
    ),
  ]

  test('the docs import tokengate, tokengate/koa and tokengate/fastify', () => {
    expect(documented).toEqual(expect.arrayContaining(['tokengate', 'tokengate/koa', 'tokengate/fastify']))
  })

  test.each(documented.map((specifier) => [specifier]))('%s is in "exports"', (specifier) => {
    const subpath = specifier === pkg.name ? '.' : `.${specifier.slice(pkg.name.length)}`
    expect(exported).toContain(subpath)
  })

  test.each(
    Object.entries(pkg.exports)
      .filter(([, target]) => typeof target === 'object' && target !== null)
      .flatMap(([subpath, target]) =>
        Object.entries(target as Record<string, Record<string, string>>).flatMap(([condition, files]) =>
          Object.entries(files).map(([kind, file]) => [subpath, `${condition}.${kind}`, file] as const),
        ),
      ),
  )('exports[%s].%s = %s is built from a source file', (_subpath, _condition, file) => {
    const source = file.replace(/^\.\/dist\/(?:cjs\/)?/, '').replace(/\.d\.ts$|\.js$/, '.ts')
    expect(existsSync(join(ROOT, source))).toBe(true)
  })

  test('each entry point has an import and a require condition, each with its own types', () => {
    for (const target of Object.values(pkg.exports).filter((t) => typeof t === 'object')) {
      expect(Object.keys(target as object)).toEqual(['import', 'require'])
      const { import: esm, require: cjs } = target as Record<string, Record<string, string>>
      expect(Object.keys(esm ?? {})).toEqual(['types', 'default'])
      expect(Object.keys(cjs ?? {})).toEqual(['types', 'default'])
      expect(cjs?.['default']).toMatch(/^\.\/dist\/cjs\//)
      expect(esm?.['default']).not.toMatch(/\/cjs\//)
    }
  })

  test('tokengate/express exports the Express adapter, the very functions of the main entry', () => {
    for (const name of ['tokenAuth', 'requirePermission', 'requireActor', 'permissionsDebug', 'tokenAdmin'] as const) {
      expect(expressApi[name]).toBe(api[name])
    }
  })

  test('tokengate/fastify exports its plugin and the guard and endpoint names of the other adapters', () => {
    expect(typeof fastifyApi.tokengate).toBe('function')
    for (const name of ['requirePermission', 'requireActor', 'permissionsDebug'] as const) {
      expect(typeof fastifyApi[name]).toBe('function')
      expect(fastifyApi[name]).not.toBe(api[name])
    }
  })

  test('tokengate/koa exports the same adapter names as the main entry', () => {
    for (const name of ['tokenAuth', 'requirePermission', 'requireActor', 'permissionsDebug', 'tokenAdmin'] as const) {
      expect(typeof koaApi[name]).toBe('function')
      expect(typeof api[name]).toBe('function')
      expect(koaApi[name]).not.toBe(api[name])
    }
  })
})

describe('the adapter pages document every option', () => {
  /** The field names of an exported interface, read from its source. */
  function fieldsOf(file: string, name: string): string[] {
    const body = new RegExp(`export interface ${name}\\b[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(read(file))?.[1] ?? ''
    return [...body.matchAll(/^ {2}(?:readonly )?(\w+)\??:/gm)].map((m) => m[1] ?? '')
  }
  const gateOptions = fieldsOf('lib/gate-options.ts', 'GateOptions')
  const adapterOptions = fieldsOf('lib/adapters/shared.ts', 'AdapterOptions')

  test('the option lists are read from the sources', () => {
    expect(gateOptions).toEqual(expect.arrayContaining(['rootEnabled', 'realm', 'unknownTokens', 'queryParam', 'tokenSources']))
    expect(adapterOptions).toEqual(['onError'])
  })

  test.each(
    ['docs/express.md', 'docs/koa.md', 'docs/fastify.md'].flatMap((page) => [...gateOptions, ...adapterOptions].map((option) => [page, option])),
  )('%s documents `%s`', (page, option) => {
    expect(read(page)).toContain(`\`${option}\``)
  })

  const fastifyOptions = fieldsOf('lib/adapters/fastify/plugin.ts', 'FastifyTokengateOptions')
  const sessionOptions = fieldsOf('lib/adapters/shared.ts', 'SessionOptions')
  test("docs/fastify.md's options table lists the plugin's own options (gate, config) and every gate, adapter and session option", () => {
    expect(fastifyOptions).toEqual(['gate', 'config'])
    expect(sessionOptions).toEqual(['actorCookie'])
    const table = read('docs/fastify.md').split('### Options')[1]?.split('\n### ')[0] ?? ''
    const rows = [...table.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1])
    expect(rows).toEqual([...fastifyOptions, ...gateOptions, ...adapterOptions, ...sessionOptions])
  })
})
