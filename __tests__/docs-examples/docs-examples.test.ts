/**
 * Every TypeScript and JavaScript example in README.md and docs/*.md is executed (see
 * examples.ts for how a block says what it is): all of them are type-checked against the built
 * package's declarations, as a user's strict TypeScript project would see them; programs and
 * fragments are then run with Node from a directory holding the README's metadata.json, each in
 * its own process; a server an example starts is moved to a free port on 127.0.0.1 and sent the
 * requests its marker lists. The built package is what runs (`npm test` builds before jest).
 *
 * An example on PostgreSQL runs against a database of its own, made on the server
 * `TOKENGATE_TEST_POSTGRES` names for this run and dropped afterwards (its URL is the examples'
 * `DATABASE_URL`); without that variable it is only type-checked, saying so.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Client } from 'pg'
import ts from 'typescript'
import { createActorCookie, createSignedToken } from 'tokengate'
import { type Example, SCAFFOLDS, examplesOf, markdownFiles, probeText, signatureProgram } from './examples.js'

const ROOT = join(__dirname, '..', '..')
const PRELOAD = join(__dirname, 'listen-on-a-free-port.mjs')
const ENV = { TOKENGATE_SECRET: 'docs-examples-signing-secret', BOT_TOKEN: 'docs-examples-bot-token', JWT_SECRET: 'docs-examples-jwt-secret-of-32-bytes!' }

/** The PostgreSQL server the examples on PostgreSQL run against, if any. */
const POSTGRES = process.env['TOKENGATE_TEST_POSTGRES'] === '' ? undefined : process.env['TOKENGATE_TEST_POSTGRES']
/** The scaffolds whose examples need PostgreSQL. */
const NEEDS_POSTGRES = new Set(['postgres-pool'])
/** The database made for this run's examples (other runs share the server). */
const DATABASE = `tokengate_docs_${randomBytes(6).toString('hex')}`
/** `DATABASE_URL`, that database's URL, once it is made. */
const databaseEnv: { DATABASE_URL?: string } = {}

async function onPostgres(sql: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

const all = markdownFiles(ROOT).map((file) => examplesOf(ROOT, file))
const EXAMPLES: Example[] = all.flatMap(({ examples }) => examples)
const FILES = new Map(all.flatMap(({ files }) => [...files]))

/** The TypeScript module an example compiles to, scaffold included. */
function sourceOf(example: Example): string {
  if (example.kind === 'signature') return signatureProgram(example)
  // Declarations for an app that imports tokengate and its framework.
  if (example.kind === 'types') return `import type { Actor } from 'tokengate'\nimport type {} from 'express'\nimport type {} from 'koa'\nimport type {} from 'fastify'\n${example.code}export {}\n`
  if (example.kind === 'program') return example.code
  const scaffold = SCAFFOLDS[example.scaffold ?? '']
  if (scaffold === undefined) throw new Error(`${example.where}: unknown scaffold ${JSON.stringify(example.scaffold)}`)
  return `${scaffold.before}\n${example.code}\n${scaffold.after ?? ''}`
}

let work: string
const fileOf = new Map<Example, string>()

beforeAll(async () => {
  if (POSTGRES !== undefined) {
    await onPostgres(`CREATE DATABASE "${DATABASE}"`)
    const url = new URL(POSTGRES)
    url.pathname = `/${DATABASE}`
    databaseEnv.DATABASE_URL = url.href
  }
  if (!existsSync(join(ROOT, 'dist', 'lib', 'index.d.ts'))) {
    throw new Error('dist/ is not built: run "npm run build" first ("npm test" builds before running jest)')
  }
  // Inside the repository, so `tokengate` resolves to this package (by its name, through
  // "exports") and express, koa and @koa/router to its node_modules.
  mkdirSync(join(ROOT, '.tmp'), { recursive: true })
  work = mkdtempSync(join(ROOT, '.tmp', 'docs-examples-'))
  EXAMPLES.forEach((example, index) => {
    const dir = join(work, String(index).padStart(2, '0'))
    mkdirSync(dir)
    for (const [name, text] of FILES) writeFileSync(join(dir, name), text)
    const file = join(dir, 'example.ts')
    writeFileSync(file, sourceOf(example))
    fileOf.set(example, file)
  })
})

afterAll(async () => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
  if (POSTGRES !== undefined) await onPostgres(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`)
})

test('the docs have examples, and the README declares the metadata.json they run beside', () => {
  expect(EXAMPLES.length).toBeGreaterThan(35)
  expect([...FILES.keys()]).toEqual(['metadata.json'])
  for (const kind of ['program', 'fragment', 'signature', 'types'] as const) expect(EXAMPLES.some((e) => e.kind === kind)).toBe(true)
})

/** Type-check one set of examples in one program; the diagnostics, by example. */
function typeCheck(examples: readonly Example[]): Map<string, string[]> {
  const options: ts.CompilerOptions = {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node'],
    noEmit: true,
  }
  const files = examples.map((example) => fileOf.get(example) ?? '')
  const program = ts.createProgram(files, options)
  const problems = new Map<string, string[]>(examples.map((example) => [example.where, []]))
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const example = examples.find((e) => fileOf.get(e) === diagnostic.file?.fileName)
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
    const line = diagnostic.file === undefined || diagnostic.start === undefined ? '' : `line ${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1}: `
    const key = example?.where ?? '(no example)'
    problems.set(key, [...(problems.get(key) ?? []), `${line}${text}`])
  }
  return problems
}

describe('every example type-checks', () => {
  // Declarations that augment tokengate or a framework are checked on their own, so they do not
  // change what the other examples see.
  let problems: Map<string, string[]>
  beforeAll(() => {
    problems = new Map([
      ...typeCheck(EXAMPLES.filter((e) => e.kind !== 'types')),
      ...EXAMPLES.filter((e) => e.kind === 'types').flatMap((e) => [...typeCheck([e])]),
    ])
  }, 60_000)

  test.each(EXAMPLES.map((e) => [e.where, e.kind, e] as const))('%s (%s)', (where) => {
    expect(problems.get(where)).toEqual([])
  })
  test('nothing outside the examples failed', () => {
    expect(problems.get('(no example)') ?? []).toEqual([])
  })
})

interface Ran {
  code: number | null
  listened: boolean
  stdout: string
  stderr: string
  responses: string[]
}

/** Run one example with Node; for a server, send its requests, then stop it. */
function run(example: Example): Promise<Ran> {
  const file = fileOf.get(example) ?? ''
  const js = file.replace(/\.ts$/, '.mjs')
  const source = example.kind === 'program' && example.language === 'js' ? example.code : sourceOf(example)
  writeFileSync(js, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PRELOAD, js], {
      cwd: join(file, '..'),
      env: { PATH: process.env['PATH'] ?? '', ...ENV, ...databaseEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const ran: Ran = { code: null, listened: false, stdout: '', stderr: '', responses: [] }
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.stdout.on('data', (chunk: Buffer) => (ran.stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => {
      ran.stderr += chunk.toString('utf8')
      const port = /DOCS-EXAMPLE-LISTENING (\d+)/.exec(ran.stderr)?.[1]
      if (port === undefined || ran.listened) return
      ran.listened = true
      void probe(example, Number(port)).then(
        (responses) => {
          ran.responses = responses
          child.kill('SIGTERM')
        },
        (error: unknown) => {
          child.kill('SIGKILL')
          reject(error instanceof Error ? error : new Error(String(error)))
        },
      )
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      ran.code = signal === 'SIGTERM' && ran.listened ? 0 : code
      resolve(ran)
    })
  })
}

/** Send an example's requests: `METHOD PATH [as who] [body] → status`, one line each. */
async function probe(example: Example, port: number): Promise<string[]> {
  const out: string[] = []
  for (const request of example.probes) {
    const { method, path, as } = request
    const token =
      as === 'alice' ? createSignedToken({ actorId: 'alice', secret: ENV.TOKENGATE_SECRET }) : as === 'bot' ? ENV.BOT_TOKEN : null
    const cookie = as === 'alice-cookie' ? `ds_actor=${createActorCookie({ actor: { id: 'alice' }, secret: ENV.TOKENGATE_SECRET })}` : null
    const body = request.body ?? (method === 'POST' ? JSON.stringify({ row: { title: 'Hello' } }) : null)
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
        ...(cookie === null ? {} : { Cookie: cookie }),
        ...(body === null ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === null ? {} : { body }),
    })
    out.push(probeText(request, res.status))
  }
  return out
}

const RUNNABLE = EXAMPLES.filter((e) => (e.kind === 'program' || e.kind === 'fragment') && (POSTGRES !== undefined || !NEEDS_POSTGRES.has(e.scaffold ?? '')))
const NOT_RUN = EXAMPLES.filter((e) => e.kind === 'fragment' && POSTGRES === undefined && NEEDS_POSTGRES.has(e.scaffold ?? ''))
if (NOT_RUN.length > 0) {
  // Written past jest's console capture.
  process.stderr.write(`Type-checking but not running ${NOT_RUN.map((e) => e.where).join(', ')}: set TOKENGATE_TEST_POSTGRES to a PostgreSQL URL to run them\n`)
}

describe('every program and fragment runs', () => {
  test.concurrent.each(RUNNABLE.map((e) => [e.where, e] as const))('%s', async (_where, example) => {
    const ran = await run(example)
    const stderr = ran.stderr.replace(/^DOCS-EXAMPLE-LISTENING \d+\n/m, '')
    expect({ code: ran.code, stderr }).toEqual({ code: 0, stderr: '' })
    const expected = example.probes.map((p) => probeText(p, p.status))
    expect(ran.responses).toEqual(expected)
  })
})
