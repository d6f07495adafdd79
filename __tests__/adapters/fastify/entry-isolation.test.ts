/**
 * `tokengate/fastify` must not load Express, Koa, or tokengate's adapters for them (issue 13):
 * a Fastify app pays for nothing it does not use. The built entry is imported, as an application
 * imports it (`import … from 'tokengate/fastify'`, resolved through package.json "exports"), in a
 * fresh Node process with a module loader hook that reports every module it resolves; the
 * process also reports `require.cache`, for CommonJS modules loaded on the way. The same probe
 * checks the root entry (it loads the Express adapter's files, but Express itself only as types)
 * and, as a control that the probe can see a package at all, `express` itself.
 *
 * These run the compiled JavaScript, so they need `dist/`: `npm test` builds it before jest.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..', '..')

/** Resolves every module through the default resolver and posts the URL to the main thread. */
const LOADER = `
let port
export function initialize(data) { port = data.port }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  port.postMessage(result.url)
  return result
}
`

/**
 * Imports `specifiers` in order, then a sentinel module; the loader's messages arrive in order, so
 * once the sentinel's URL is in, every module the imports resolved is too.
 */
const PROBE = `
import { register, createRequire } from 'node:module'
import { MessageChannel } from 'node:worker_threads'
const { port1, port2 } = new MessageChannel()
const esm = []
const SENTINEL = 'data:text/javascript,export default "sentinel"'
const done = new Promise((resolve) => port1.on('message', (url) => (url === SENTINEL ? resolve() : esm.push(url))))
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(LOADER)}), { data: { port: port2 }, transferList: [port2] })
for (const specifier of JSON.parse(process.argv[1])) await import(specifier)
await import(SENTINEL)
await done
port1.close()
process.stdout.write(JSON.stringify({ esm, cjs: Object.keys(createRequire(import.meta.url).cache) }))
`

interface Loaded {
  /** Every module URL resolved for the ESM loader. */
  esm: string[]
  /** Every file in `require.cache`. */
  cjs: string[]
}

function load(...specifiers: string[]): string[] {
  const output = execFileSync(process.execPath, ['--input-type=module', '--no-warnings', '-e', PROBE, JSON.stringify(specifiers)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 15_000,
  })
  const { esm, cjs } = JSON.parse(output) as Loaded
  // One list of paths, relative to the repository, with forward slashes.
  return [...esm.filter((url) => url.startsWith('file://')).map((url) => new URL(url).pathname), ...cjs]
    .map((path) => path.slice(ROOT.length + 1).replace(/\\/g, '/'))
}

const pkg = (name: string) => (path: string) => path.startsWith(`node_modules/${name}/`)

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/lib/adapters/fastify/index.js'))) {
    throw new Error('dist/lib/adapters/fastify/index.js is missing: build first with "npm run build" ("npm test" does)')
  }
})

describe('what each entry loads at run time', () => {
  test('tokengate/fastify loads no Express, no Koa, not their adapters, and not even Fastify', () => {
    const loaded = load('tokengate/fastify')
    // The probe sees the entry, its own files, and packages (ajv through the gate's config loader).
    expect(loaded).toContain('dist/lib/adapters/fastify/index.js')
    expect(loaded).toContain('dist/lib/gate.js')
    expect(loaded.some(pkg('ajv'))).toBe(true)
    expect(loaded.filter((path) => /^dist\/lib\/adapters\/(express|koa)\//.test(path))).toEqual([])
    for (const name of ['express', 'koa', '@koa/router', 'fastify', 'fastify-plugin']) {
      expect([name, loaded.filter(pkg(name))]).toEqual([name, []])
    }
  })

  test('tokengate (the root entry) loads the Express adapter files, but Express itself only as types', () => {
    const loaded = load('tokengate')
    expect(loaded).toContain('dist/lib/adapters/express/token-auth.js')
    expect(loaded.filter(pkg('express'))).toEqual([])
    expect(loaded.filter((path) => /^dist\/lib\/adapters\/(koa|fastify)\//.test(path))).toEqual([])
  })

  test('control: the probe does see Express when something loads it', () => {
    const loaded = load('tokengate/fastify', 'express')
    expect(loaded).toContain('node_modules/express/index.js')
    expect(loaded.filter(pkg('express')).length).toBeGreaterThan(1) // its own CommonJS files, through require.cache
  })
})
