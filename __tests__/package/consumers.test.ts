/**
 * The package as its users get it: `npm pack` makes the tarball, `publint` and
 * `@arethetypeswrong/cli` check it, and four fresh projects (see
 * `__tests__/fixtures/consumers/README.md`) install it with npm and pass their own small tests:
 * an ES module project, a CommonJS Jest project (with a Fastify app), a TypeScript project
 * (nodenext, compiled by its own TypeScript 5.6) and an Express 4 app.
 *
 * The tarball is packed from the build `npm test` has just made (`--ignore-scripts`, so packing
 * does not build a second time). Installs read npm's local cache first (`--prefer-offline`); the
 * registry is asked only for what the cache lacks. When it cannot be reached, the test fails
 * saying so, rather than with npm's own output.
 */
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')
const FIXTURES = join(ROOT, '__tests__', 'fixtures', 'consumers')
const BIN = (pkg: string, ...path: string[]): string => join(ROOT, 'node_modules', pkg, ...path)
const TSC6 = BIN('typescript', 'bin', 'tsc')
const JEST = BIN('jest', 'bin', 'jest.js')

interface Ran {
  code: number
  stdout: string
  stderr: string
}

/** Run a command, never throwing: the caller reports what it printed. */
function run(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    // Jest's own variables would make the nested Jest think it is one of our workers.
    const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('JEST_') && name !== 'NODE_OPTIONS'))
    execFile(file, [...args], { cwd, env: { ...base, ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
      resolve({ code, stdout, stderr })
    })
  })
}

const node = (args: readonly string[], cwd: string): Promise<Ran> => run(process.execPath, args, cwd)

/** What a failed command printed, for the assertion message. */
function report(what: string, ran: Ran): string {
  return `${what} exited ${ran.code}\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`
}

/** npm's words for a registry it could not reach. */
const UNREACHABLE = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH)\b|network request .* failed/i

let work: string
let tarball: string

/** Copy a fixture project to a fresh directory and install the tarball (and `extra`) into it. */
async function install(name: string, extra: readonly string[]): Promise<string> {
  const dir = join(work, name)
  cpSync(join(FIXTURES, name), dir, { recursive: true })
  const ran = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball, ...extra], dir)
  if (ran.code !== 0 && UNREACHABLE.test(ran.stderr)) {
    throw new Error(
      `npm could not reach the registry to install ${[tarball, ...extra].join(' ')} into the ${name} consumer project, ` +
        `and its cache does not hold every package. These tests need the npm registry, or a cache filled by one online "npm ci".\n${ran.stderr}`,
    )
  }
  if (ran.code !== 0) throw new Error(report(`npm install in the ${name} consumer project`, ran))
  return dir
}

const PROJECTS = {
  esm: [] as string[],
  'cjs-jest': ['fastify@^5.0.0'],
  typescript: ['typescript@~5.6.3', '@types/node@^20.19.0'],
  express4: ['express@^4.21.2', '@types/express@^4.17.21', '@types/node@^20.19.0'],
} satisfies Record<string, string[]>

const dirs: Partial<Record<keyof typeof PROJECTS, string>> = {}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'lib', 'index.js')) || !existsSync(join(ROOT, 'dist', 'cjs', 'lib', 'index.js'))) {
    throw new Error('dist/ is not built: run "npm run build" first ("npm test" builds before running jest)')
  }
  work = mkdtempSync(join(tmpdir(), 'tokengate-consumers-'))
  const packed = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], ROOT)
  if (packed.code !== 0) throw new Error(report('npm pack', packed))
  const name = packed.stdout.trim().split('\n').at(-1) ?? ''
  tarball = join(work, name)
  if (!existsSync(tarball)) throw new Error(`npm pack did not write the tarball it named: ${JSON.stringify(name)}`)
  const installed = await Promise.all(Object.entries(PROJECTS).map(async ([project, extra]) => [project, await install(project, extra)] as const))
  for (const [project, dir] of installed) dirs[project as keyof typeof PROJECTS] = dir
}, 180_000)

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
})

function dirOf(project: keyof typeof PROJECTS): string {
  const dir = dirs[project]
  if (dir === undefined) throw new Error(`the ${project} project was not installed`)
  return dir
}

describe('the packed tarball', () => {
  test('holds the two builds, the docs, the licence and the README, and no source maps, sources or tests', async () => {
    const listed = await run('tar', ['-tzf', tarball], work)
    expect(listed.code).toBe(0)
    const files = listed.stdout.trim().split('\n').map((line) => line.replace(/^package\//, ''))
    const top = [...new Set(files.map((file) => (file.startsWith('dist/') ? file.split('/').slice(0, 2).join('/') : file.split('/')[0])))].sort()
    expect(top).toEqual(['LICENSE', 'README.md', 'dist/cjs', 'dist/lib', 'docs', 'package.json'])
    expect(files.filter((file) => file.endsWith('.map') || (file.endsWith('.ts') && !file.endsWith('.d.ts')))).toEqual([])
    expect(files).toEqual(expect.arrayContaining(['dist/cjs/package.json', 'dist/lib/cli/bin.js', 'dist/cjs/lib/cli/bin.js', 'docs/express.md']))
  })

  test('publint --strict finds nothing to fix', async () => {
    const ran = await node([BIN('publint', 'src', 'cli.js'), '--strict', ROOT], ROOT)
    expect({ code: ran.code, output: ran.stdout + ran.stderr }).toEqual({ code: 0, output: expect.stringContaining('All good!') })
  }, 90_000)

  test('@arethetypeswrong/cli: every entry point resolves with types for node10, node16 (CJS and ESM) and bundlers', async () => {
    const ran = await node([BIN('@arethetypeswrong', 'cli', 'dist', 'index.js'), tarball, '--format', 'json'], ROOT)
    const result = JSON.parse(ran.stdout) as { problems?: Record<string, unknown> | unknown[]; analysis: { entrypoints: Record<string, unknown> } }
    expect(Object.values(result.problems ?? {})).toEqual([])
    expect(Object.keys(result.analysis.entrypoints).sort()).toEqual(['.', './express', './fastify', './koa', './package.json'])
    expect(ran.code).toBe(0)
  }, 90_000)
})

describe('fresh projects install the tarball and pass their tests', () => {
  test('an ES module project (node --test), including the installed bin', async () => {
    const ran = await node(['--test', 'tokengate.test.js'], dirOf('esm'))
    expect(ran.code === 0 ? 'passed' : report('node --test', ran)).toBe('passed')
    expect(ran.stdout).toMatch(/^# pass 4$/m)
  }, 90_000)

  test('a CommonJS project tested by Jest in its default CommonJS mode', async () => {
    const dir = dirOf('cjs-jest')
    const ran = await node([JEST, '--ci', '--config', 'jest.config.js', '--rootDir', dir, '--cacheDirectory', join(dir, '.jest-cache')], dir)
    expect(ran.code === 0 ? 'passed' : report('jest', ran)).toBe('passed')
    expect(ran.stderr).toMatch(/Tests: +5 passed, 5 total/)
  }, 90_000)

  // TypeScript 5.6, the project's own: before 5.8, a CommonJS module could not import an
  // ES-module-only package (TS1479). This repository's TypeScript 6 builds the package itself.
  test('a TypeScript project (nodenext, an ES module and a CommonJS module), compiled by its own TypeScript 5.6 and run', async () => {
    const dir = dirOf('typescript')
    const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc')
    const outDir = 'out'
    const compiled = await node([tsc, '-p', '.', '--outDir', outDir], dir)
    expect(compiled.code === 0 ? 'compiled' : report('tsc', compiled)).toBe('compiled')
    expect(readdirSync(join(dir, outDir)).sort()).toEqual(['cjs.cjs', 'esm.mjs'])
    const esm = await node([join(outDir, 'esm.mjs')], dir)
    expect(esm.code === 0 ? esm.stdout : report('esm.mjs', esm)).toBe('esm ok\n')
    const cjs = await node([join(outDir, 'cjs.cjs')], dir)
    expect(cjs.code === 0 ? cjs.stdout : report('cjs.cjs', cjs)).toBe('cjs ok\n')
  }, 90_000)

  test('an Express 4 app: type-checked against @types/express 4 without skipLibCheck, then run on Express 4', async () => {
    const dir = dirOf('express4')
    const compiled = await node([TSC6, '-p', '.'], dir)
    expect(compiled.code === 0 ? 'compiled' : report('tsc', compiled)).toBe('compiled')
    const ran = await node(['--test', 'test.js'], dir)
    expect(ran.code === 0 ? 'passed' : report('node --test', ran)).toBe('passed')
    expect(ran.stdout).toMatch(/^# pass 5$/m)
  }, 90_000)
})
