/**
 * `tokengate/fastify` must not load Express, Koa, or tokengate's adapters for them (issue 13):
 * a Fastify app pays for nothing it does not use. The built entry is imported, as an application
 * imports it (`import … from 'tokengate/fastify'`, resolved through package.json "exports"), in a
 * fresh Node process with a module loader hook that reports every module it resolves, and
 * `require.cache` for CommonJS modules (../../helpers/module-probe.ts); the CommonJS build too, as
 * `require('tokengate/fastify')` loads it. The same probe
 * checks the root entry (it loads the Express adapter's files, but Express itself only as types)
 * and, as a control that the probe can see a package at all, `express` itself.
 *
 * These run the compiled JavaScript, so they need `dist/`: `npm test` builds it before jest.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT, inPackage as pkg, loadedModules } from '../../helpers/module-probe.js'

const load = (...specifiers: string[]): string[] => loadedModules(specifiers)

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

  test("tokengate/fastify's CommonJS build, as require() loads it, loads no Express, no Koa, no adapter of theirs, and not Fastify", () => {
    const loaded = load('require:tokengate/fastify')
    expect(loaded).toContain('dist/cjs/lib/adapters/fastify/index.js')
    expect(loaded).toContain('dist/cjs/lib/gate.js')
    expect(loaded.filter((path) => path.startsWith('dist/lib/'))).toEqual([]) // not the ES module build
    expect(loaded.filter((path) => /^dist\/cjs\/lib\/adapters\/(express|koa)\//.test(path))).toEqual([])
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

  test('the Fastify example app (createGate from the main entry, the plugin from tokengate/fastify) loads no Express', () => {
    const loaded = load(pathToFileURL(join(ROOT, 'dist/examples/fastify-api/app.js')).href)
    expect(loaded).toContain('dist/lib/adapters/fastify/plugin.js')
    expect(loaded.some(pkg('fastify'))).toBe(true)
    expect(loaded.filter(pkg('express'))).toEqual([])
    expect(loaded.filter((path) => path.startsWith('dist/examples/datasette-api/app'))).toEqual([])
  })

  test('control: the probe does see Express when something loads it', () => {
    const loaded = load('tokengate/fastify', 'express')
    expect(loaded).toContain('node_modules/express/index.js')
    expect(loaded.filter(pkg('express')).length).toBeGreaterThan(1) // its own CommonJS files, through require.cache
  })
})
