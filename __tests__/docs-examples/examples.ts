/**
 * The code examples of README.md and docs/*.md, as the docs-examples test runs them.
 *
 * Every fenced `ts`, `typescript`, `js` or `javascript` block is an example. An HTML comment on
 * the line right before the fence (invisible on GitHub and npm) says what kind:
 *
 * - no comment: a **program**, complete as written: type-checked, then run.
 * - `<!-- example: fragment SCAFFOLD -->`: a **fragment** that uses names it does not declare
 *   (`app`, `router`, a handler): compiled and run after the scaffold's code, which declares
 *   them (see {@link SCAFFOLDS}).
 * - `<!-- example: signature MODULE -->`: **signatures** (`name(params): Type` lines and
 *   `interface` blocks), type-checked both ways against what MODULE really exports.
 * - `<!-- example: types -->`: **declarations** (`declare global`, `declare module`), type-checked.
 *
 * A program or fragment may list requests after a `;`, each `METHOD PATH [as WHO] [BODY] STATUS`:
 * the example must start a server (its `listen` is moved to a free port on 127.0.0.1), and each
 * request must get that status. WHO is `alice` (a `dstok_` token of alice), `bot` (the README's
 * static token) or `alice-cookie` (alice signed in with a `ds_actor` cookie, for the token
 * administration examples); BODY is JSON without `;`, sent with POST and PATCH (a POST without one
 * sends the README's `{"row": {"title": "Hello"}}`). `<!-- example: file NAME -->` before any fenced block makes it a
 * file the examples run beside (the README's metadata.json).
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export type Kind = 'program' | 'fragment' | 'signature' | 'types'

export interface Probe {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  path: string
  as: 'alice' | 'bot' | 'alice-cookie' | null
  /** The JSON body, as written. */
  body: string | null
  status: number
}

export interface Example {
  /** `docs/express.md:7`: where the fence opens. */
  where: string
  language: 'ts' | 'js'
  kind: Kind
  /** The scaffold (fragments) or module (signatures). */
  scaffold: string | null
  probes: Probe[]
  code: string
}

const MARKER = /^<!-- example: (.*?) -->$/
const FENCE = /^```(ts|typescript|js|javascript)$/

function parseProbe(text: string, where: string): Probe {
  const match = /^(GET|POST|PATCH|DELETE) (\S+)(?: as (alice-cookie|alice|bot))?(?: (\{.*\}))? (\d{3})$/.exec(text.trim())
  if (match === null) throw new Error(`${where}: cannot read the request ${JSON.stringify(text)}; write METHOD PATH [as alice|bot|alice-cookie] [JSON] STATUS`)
  const body = match[4] ?? null
  if (body !== null) JSON.parse(body) // a typo in the docs' marker fails here, saying where
  return { method: match[1] as Probe['method'], path: match[2] ?? '', as: (match[3] ?? null) as Probe['as'], body, status: Number(match[5]) }
}

/** How a probe is written back, to compare with what was sent. */
export function probeText(probe: Probe, status: number): string {
  return `${probe.method} ${probe.path}${probe.as === null ? '' : ` as ${probe.as}`}${probe.body === null ? '' : ` ${probe.body}`} ${status}`
}

/** Every example of one Markdown file, and the files its `file` markers declare. */
export function examplesOf(root: string, file: string): { examples: Example[]; files: Map<string, string> } {
  const lines = readFileSync(join(root, file), 'utf8').split('\n')
  const examples: Example[] = []
  const files = new Map<string, string>()
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)$/.exec(lines[i] ?? '')
    if (open === null) continue
    let end = i + 1
    while (end < lines.length && lines[end] !== '```') end++
    const code = lines.slice(i + 1, end).join('\n') + '\n'
    const where = `${file}:${i + 1}`
    const marker = MARKER.exec(lines[i - 1] ?? '')?.[1]
    if (marker?.startsWith('file ') === true) {
      files.set(marker.slice('file '.length).trim(), code)
    } else if (FENCE.test(lines[i] ?? '')) {
      const [head = '', ...requests] = (marker ?? 'program').split(';')
      const [kind = '', scaffold = null, ...extra] = head.trim().split(/\s+/)
      if (!['program', 'fragment', 'signature', 'types'].includes(kind) || extra.length > 0) {
        throw new Error(`${where}: unknown example marker ${JSON.stringify(marker)}`)
      }
      if ((kind === 'fragment' || kind === 'signature') !== (scaffold !== null)) {
        throw new Error(`${where}: a ${kind} ${kind === 'fragment' || kind === 'signature' ? 'needs' : 'takes no'} scaffold or module name`)
      }
      examples.push({
        where,
        language: (open[1] ?? '').startsWith('j') ? 'js' : 'ts',
        kind: kind as Kind,
        scaffold,
        probes: requests.filter((r) => r.trim() !== '').map((r) => parseProbe(r, where)),
        code,
      })
    } else if (marker !== undefined) {
      throw new Error(`${where}: an example marker before a block that is not TypeScript or JavaScript`)
    }
    i = end
  }
  return { examples, files }
}

/** README.md and every docs/*.md. */
export function markdownFiles(root: string): string[] {
  return ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)]
}

// ---------------------------------------------------------------------------------------------
// Scaffolds: what a fragment may use without declaring it. Names a fragment might declare or
// import itself (tokenAuth, createGate, express…) are imported here only where no fragment of
// that scaffold imports them.

const EXPRESS_HANDLERS = `
import scaffoldExpress from 'express'
import type { RequestHandler as ScaffoldHandler } from 'express'
const scaffoldHandler: ScaffoldHandler = (_req, res) => { res.json({ ok: true }) }
const listRows = scaffoldHandler
const insertRows = scaffoldHandler
const runQuery = scaffoldHandler
const showVersion = scaffoldHandler
const publish = scaffoldHandler
const apiRouter = scaffoldExpress.Router()
const readSecret = (name: string): string => \`secret-of-\${name}\`
`

const KOA_HANDLERS = `
import type { Middleware as ScaffoldMiddleware } from 'koa'
const scaffoldMiddleware: ScaffoldMiddleware = (ctx) => { ctx.body = { ok: true } }
const listRows = scaffoldMiddleware
const runQuery = scaffoldMiddleware
const showVersion = scaffoldMiddleware
const insertRow = scaffoldMiddleware
`

const FASTIFY_HANDLERS = `
const scaffoldHandler = async () => ({ ok: true })
const listRows = scaffoldHandler
const insertRow = scaffoldHandler
const runQuery = scaffoldHandler
const showVersion = scaffoldHandler
const publish = scaffoldHandler
const health = scaffoldHandler
`

/** A Fastify app listens at the end of its fragment, so the fragment's requests can be sent. */
const FASTIFY_LISTEN = "await app.listen({ port: 8001, host: '127.0.0.1' })\n"

/**
 * A gate whose `gate.tokens` TypeScript knows is set, as after the `if (gate.tokens === null)
 * throw …` that managed-tokens.md asks for: managed tokens in memory, with a token `id` of
 * bob's to update, rotate and revoke, and a value for every field the lifecycle listing names.
 */
const TOKEN_MANAGER = `
import { type Gate as ScaffoldGate, createGate as scaffoldCreateGate, createMemoryTokenStore as scaffoldMemoryStore } from 'tokengate'
const scaffoldGate = scaffoldCreateGate('metadata.json', { tokenStore: scaffoldMemoryStore() })
if (scaffoldGate.tokens === null) throw new Error('the scaffold gate has no token store')
const gate = scaffoldGate as ScaffoldGate & { readonly tokens: NonNullable<ScaffoldGate['tokens']> }
const { record: { id } } = await gate.tokens.create({ actorId: 'bob', name: 'scaffold token' })
const actorId = 'alice'
const name = 'nightly export'
const description = 'Reads docs for the export job'
const expiresAfter = 7 * 86400
const expiresAt = Math.floor(Date.now() / 1000) + 86400
const restrictions = { d: { docs: ['vt'] } }
const permissions = ['db:docs:read']
const rateLimit = { points: 100, duration: 60 }
const createdBy = 'alice'
const by = 'alice'
const status = 'active' as const
const limit = 10
const cursor = null
`

/**
 * For resolveActor: a store, and a stand-in for the application's user database (alice is a
 * user; mallory is disabled); afterwards, a token of each is presented, and alice's must come out
 * as her current actor and mallory's be refused.
 */
const USER_DB = {
  before: `
import { createGate, createMemoryTokenStore as scaffoldMemoryStore, isTokengateError as scaffoldIsTokengateError } from 'tokengate'
interface ScaffoldUser { id: string; roles: string[]; team: string; disabled: boolean }
const scaffoldUsers = new Map<string, ScaffoldUser>([
  ['alice', { id: 'alice', roles: ['editor'], team: 'docs', disabled: false }],
  ['mallory', { id: 'mallory', roles: [], team: 'none', disabled: true }],
])
const db = { users: { async find(id: string | number): Promise<ScaffoldUser | null> { return scaffoldUsers.get(String(id)) ?? null } } }
const store = scaffoldMemoryStore()
`,
  after: `
const scaffoldTokenOf = async (actorId: string): Promise<string> => (await gate.tokens!.create({ actorId, name: 'scaffold' })).token
const scaffoldAlice = await gate.authenticate({ authorization: \`Bearer \${await scaffoldTokenOf('alice')}\` })
if (JSON.stringify(scaffoldAlice?.['roles']) !== '["editor"]' || scaffoldAlice?.['team'] !== 'docs') throw new Error(\`resolveActor was not used: \${JSON.stringify(scaffoldAlice)}\`)
const scaffoldGone = await gate.authenticate({ authorization: \`Bearer \${await scaffoldTokenOf('mallory')}\` }).then(() => null, (error: unknown) => error)
if (!scaffoldIsTokengateError(scaffoldGone) || scaffoldGone.message !== 'Token owner no longer exists') throw new Error(\`a disabled owner's token was not refused: \${String(scaffoldGone)}\`)
`,
}

/**
 * For the token administration examples: the README's gate with managed tokens in memory, and an
 * app of the framework (the fragment mounts tokenAuth and tokenAdmin on it).
 */
const ADMIN_GATE = `
import { createGate as scaffoldCreateGate, createMemoryTokenStore as scaffoldMemoryStore } from 'tokengate'
const gate = scaffoldCreateGate('metadata.json', { tokenStore: scaffoldMemoryStore() })
`
const EXPRESS_ADMIN = `${ADMIN_GATE}import scaffoldExpress from 'express'
const app = scaffoldExpress()
`

/** Code put before (and after) a fragment. */
export const SCAFFOLDS: { readonly [name: string]: { readonly before: string; readonly after?: string } } = {
  /** Handlers for a fragment that makes its own app. */
  'express-handlers': { before: EXPRESS_HANDLERS },
  /** An Express app behind tokenAuth, with the adapter's functions imported. */
  'express-app': {
    before: `${EXPRESS_HANDLERS}
import express from 'express'
import { permissionsDebug, requireActor, requirePermission, tokenAuth } from 'tokengate'
const config = 'metadata.json'
const app = express()
app.use(tokenAuth(config))
`,
  },
  /** An Express app, nothing of tokengate imported. */
  'express-bare': { before: `${EXPRESS_HANDLERS}\nimport express from 'express'\nconst app = express()\n` },
  /** Handlers for a fragment that makes its own Koa app. */
  'koa-handlers': { before: KOA_HANDLERS },
  /** A Koa app and a @koa/router router behind tokenAuth, the adapter's functions imported. */
  'koa-app': {
    before: `${KOA_HANDLERS}
import Koa from 'koa'
import { Router } from '@koa/router'
import { permissionsDebug, requireActor, requirePermission, tokenAuth } from 'tokengate/koa'
const app = new Koa()
const router = new Router()
app.use(tokenAuth('metadata.json'))
`,
    after: 'app.use(router.routes())\n',
  },
  /** A Koa app and router, nothing of tokengate imported. */
  'koa-bare': {
    before: `${KOA_HANDLERS}\nimport Koa from 'koa'\nimport { Router } from '@koa/router'\nconst app = new Koa()\nconst router = new Router()\n`,
    after: 'app.use(router.routes())\n',
  },
  /** A gate with managed tokens in memory and an Express app; the fragment imports what it uses; the app listens after it. */
  'express-admin': { before: EXPRESS_ADMIN, after: 'app.listen(8001)\n' },
  /** The same, with tokenAuth, tokenAdmin and createLoginLink imported. */
  'express-admin-app': {
    before: `${EXPRESS_ADMIN}import { createLoginLink, tokenAdmin, tokenAuth } from 'tokengate'\n`,
    after: 'app.listen(8001)\n',
  },
  /** The same, for a fragment that listens itself. */
  'express-admin-listens': { before: `${EXPRESS_ADMIN}import { createLoginLink, tokenAdmin, tokenAuth } from 'tokengate'\n` },
  /** A gate with managed tokens in memory and a Koa app; the fragment imports what it uses; the app listens after it. */
  'koa-admin': { before: `${ADMIN_GATE}import ScaffoldKoa from 'koa'\nconst app = new ScaffoldKoa()\n`, after: 'app.listen(8001)\n' },
  /**
   * A gate with a pino logger whose lines the scaffold keeps (`log`, and `createGate` for the
   * fragment); afterwards, a check is made and the gate closed, and its event must be in the log.
   */
  'pino-log': {
    before: `import { Writable as ScaffoldWritable } from 'node:stream'
import pino from 'pino'
import { createGate } from 'tokengate'
const scaffoldLines: string[] = []
const log = pino(new ScaffoldWritable({ write(chunk, _encoding, done) { scaffoldLines.push(String(chunk)); done() } }))
`,
    after: `gate.check({ id: 'alice' }, 'view-table', { database: 'docs', resource: 'documents' })
await gate.close()
if (!scaffoldLines.some((line) => JSON.parse(line).type === 'allowed')) throw new Error(\`no allowed event in the log: \${scaffoldLines.join('')}\`)
`,
  },
  /** A gate from the examples' metadata.json. */
  gate: { before: `import { createGate as scaffoldCreateGate } from 'tokengate'\nconst gate = scaffoldCreateGate('metadata.json')\n` },
  /** A gate and a request with an unknown token. */
  'gate-request': {
    before: `import { createGate as scaffoldCreateGate } from 'tokengate'
const gate = scaffoldCreateGate('metadata.json')
const req: { headers: { authorization?: string } } = { headers: { authorization: 'Bearer an-unknown-token' } }
`,
  },
  /** A configuration object. */
  'config-object': { before: `const config = { databases: { blog: { tables: { posts: {} } } } }\n` },
  /** A token a client presented. */
  'presented-token': { before: `const presentedToken: string = process.env['BOT_TOKEN'] ?? ''\n` },
  /** A configuration object, and createGate. */
  'config-gate': {
    before: `import { createGate } from 'tokengate'\nconst config = { databases: { docs: { tables: { documents: {} } } } }\n`,
  },
  /** A gate with managed tokens in memory, and a value for every field of `gate.tokens`' methods. */
  'token-manager': { before: TOKEN_MANAGER },
  /** A stand-in user database `db` and a token `store`, for `resolveActor`; then checks it was used. */
  'user-db': USER_DB,
  /**
   * The application's PostgreSQL pool, on the database the test made for this run
   * (`DATABASE_URL`); afterwards, both stores and the pool are closed.
   */
  'postgres-pool': {
    before: `import pg from 'pg'\nimport { openPostgresTokenStore } from 'tokengate'\nconst pool = new pg.Pool({ connectionString: process.env['DATABASE_URL'] })\n`,
    after: 'await store.close()\nawait sharedStore.close()\nawait pool.end()\n',
  },
  /** Handlers for a fragment that makes its own Fastify app. */
  'fastify-handlers': { before: FASTIFY_HANDLERS },
  /** A Fastify app, nothing of tokengate imported; it listens after the fragment. */
  'fastify-bare': {
    before: `${FASTIFY_HANDLERS}\nimport Fastify from 'fastify'\nconst app = Fastify()\n`,
    after: FASTIFY_LISTEN,
  },
  /** A Fastify app with the tokengate plugin registered, the adapter's functions imported; it listens after the fragment. */
  'fastify-app': {
    before: `${FASTIFY_HANDLERS}
import Fastify from 'fastify'
import { permissionsDebug, requireActor, requirePermission, tokengate } from 'tokengate/fastify'
const app = Fastify()
await app.register(tokengate, { config: 'metadata.json' })
`,
    after: FASTIFY_LISTEN,
  },
  /** The application's database of API keys. */
  db: {
    before: `import type { Restrictions as ScaffoldRestrictions } from 'tokengate'
interface ScaffoldKeyRow { id: string; owner: string; revoked: boolean; restrictions: ScaffoldRestrictions | null; expiresAt: number | null }
const db = { async findKeyByHash(_digest: string): Promise<ScaffoldKeyRow | undefined> { return undefined } }
`,
  },
}

/** What a signature block may name: every public type, and the host frameworks' handler types. */
const SIGNATURE_TYPES = `
import type { Action, ActionRegistry, CreateSignedTokenOptions, DecodedSignedToken, Gate, LoadConfigOptions, ResolveSecretsOptions,
  Restrictions, SignedTokenActor, SignedTokenSettings, TokenSource, TokengateConfig, TokengateConfigInput, VerifySignedTokenOptions } from 'tokengate'
import type { AdapterOptions, ExpressTarget, TokenAuthOptions } from 'tokengate/express'
import type { KoaTarget, KoaTokenAuthOptions } from 'tokengate/koa'
import type { FastifyEndpoint, FastifyGuard, FastifyTarget, FastifyTokengateOptions } from 'tokengate/fastify'
import type { RequestHandler } from 'express'
import type { Middleware } from 'koa'
`

/**
 * A signature block as TypeScript that compiles only when each documented signature and
 * interface is assignable both ways to the real one of `module`.
 */
export function signatureProgram(example: Example): string {
  const out = [SIGNATURE_TYPES, `import * as actual from '${example.scaffold ?? ''}'`]
  const lines = example.code.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\s*\/\/.*$/, '')
    if (line.trim() === '') continue
    const iface = /^interface (\w+) \{$/.exec(line)
    if (iface !== null) {
      const body: string[] = []
      while (i + 1 < lines.length && lines[i + 1] !== '}') body.push((lines[++i] ?? '').replace(/\s*\/\/.*$/, ''))
      i++
      const name = iface[1] ?? ''
      out.push(`interface Doc${name} {\n${body.join('\n')}\n}`)
      out.push(`export const doc${name}IsReal: ${name} = {} as Doc${name}`, `export const real${name}IsDoc: Doc${name} = {} as ${name}`)
      continue
    }
    const fn = /^(\w+)\((.*)\): (.+)$/.exec(line)
    if (fn === null) throw new Error(`${example.where}: cannot read the signature line ${JSON.stringify(line)}`)
    const name = fn[1] ?? ''
    out.push(`declare function doc_${name}(${fn[2] ?? ''}): ${fn[3] ?? ''}`)
    out.push(`export const doc_${name}IsReal: typeof actual.${name} = doc_${name}`, `export const real_${name}IsDoc: typeof doc_${name} = actual.${name}`)
  }
  return `${out.join('\n')}\n`
}
