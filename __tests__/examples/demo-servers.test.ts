/**
 * The built demo servers, run as a newcomer runs them: `node dist/examples/<name>/server.js`
 * with `PORT=0` and neither `TOKENGATE_SECRET` nor `BOT_TOKEN` set. Each must print a curl line;
 * the test performs exactly that request (URL and header parsed out of the line) with fetch and
 * expects 200, checks that the same URL without the token is refused, and stops the server with
 * SIGTERM, expecting a clean exit.
 *
 * The demos that keep managed tokens get a SQLite file of this run (`TOKENGATE_STORE`), so the
 * tests leave the repository's data/ folder, and any store the environment names, alone.
 *
 * These run the compiled JavaScript, so they need `dist/`: `npm test` builds it before jest.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')

/** This run's token store for every demo it starts, removed afterwards. */
const STORE_DIR = mkdtempSync(join(tmpdir(), 'tokengate-demos-'))
afterAll(() => rmSync(STORE_DIR, { recursive: true, force: true }))

/** The line each server prints: `curl -H 'Authorization: Bearer TOKEN' URL`, the URL maybe single-quoted. */
const CURL_LINE = /^curl -H 'Authorization: Bearer ([^'\s]+)' ('?)(http:\/\/127\.0\.0\.1:[0-9]+\/[^'\s]*)\2$/m

interface Running {
  child: ChildProcess
  output: string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Every server ends its banner with a line of suggestions, printed after the curl line. */
const BANNER_END = /^Also try.*\n/m

/** Start a built server and wait until it has printed its whole banner (or died trying). */
function start(script: string): Promise<Running & { token: string; url: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', TOKENGATE_STORE: `sqlite:${join(STORE_DIR, 'tokens.db')}` }
  delete env['TOKENGATE_SECRET']
  delete env['BOT_TOKEN']
  const child = spawn(process.execPath, [script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const running: Running = {
    child,
    output: '',
    exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  }
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      running.output += chunk.toString('utf8')
      const match = CURL_LINE.exec(running.output)
      if (match !== null && BANNER_END.test(running.output)) {
        child.stdout?.off('data', onData)
        resolve(Object.assign(running, { token: match[1] as string, url: match[3] as string }))
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => {
      running.output += chunk.toString('utf8')
    })
    void running.exit.then(({ code, signal }) =>
      reject(new Error(`${script} exited (code ${code}, signal ${signal}) before printing a curl line:\n${running.output}`)),
    )
  })
}

const SERVERS = [
  { name: 'datasette-api (npm start)', script: 'dist/examples/datasette-api/server.js' },
  { name: 'koa-api', script: 'dist/examples/koa-api/server.js' },
  { name: 'fastify-api', script: 'dist/examples/fastify-api/server.js' },
  { name: 'influxdb-api', script: 'dist/examples/influxdb-api/server.js' },
  { name: 'events-pino', script: 'dist/examples/events-pino/server.js' },
]

describe.each(SERVERS)('$name', ({ script }) => {
  let server: Awaited<ReturnType<typeof start>> | undefined

  beforeAll(async () => {
    const path = join(ROOT, script)
    if (!existsSync(path)) {
      throw new Error(`${script} does not exist: build first with "npm run build" ("npm test" builds before running jest)`)
    }
    server = await start(path)
  })

  afterAll(async () => {
    if (server !== undefined && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL')
      await server.exit
    }
  })

  function running(): NonNullable<typeof server> {
    if (server === undefined) throw new Error('the server did not start')
    return server
  }

  test('the printed curl line works: 200', async () => {
    const { token, url } = running()
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
  })

  test('the same URL without the token is refused: 401', async () => {
    const res = await fetch(running().url)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="tokengate"')
  })

  test('SIGTERM stops it cleanly', async () => {
    const { child, exit } = running()
    child.kill('SIGTERM')
    expect(await exit).toEqual({ code: 0, signal: null })
  })
})

describe('npm start: the permissions-debug line is quoted for the shell and carries the root token', () => {
  test('the second curl line, run as printed, explains the decision: 200', async () => {
    const path = join(ROOT, 'dist/examples/datasette-api/server.js')
    if (!existsSync(path)) throw new Error('dist/examples/datasette-api/server.js does not exist: run "npm run build"')
    const server = await start(path)
    try {
      const line = server.output.split('\n').find((l) => l.includes('/-/permissions?'))
      // Single-quoted, so a shell does not split the URL at the & signs.
      const match = /^curl -H 'Authorization: Bearer ([^'\s]+)' '(http:\/\/[^'\s]+)'$/.exec(line ?? '')
      expect(match).not.toBeNull()
      const res = await fetch(match?.[2] ?? '', { headers: { Authorization: `Bearer ${match?.[1] ?? ''}` } })
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ ok: true, actor: { id: 'root' }, decision: { action: 'insert-row', allowed: true } })
    } finally {
      server.child.kill('SIGTERM')
      await server.exit
    }
  })
})

describe('npm start: the embedded bot token works when BOT_TOKEN is unset', () => {
  let server: Awaited<ReturnType<typeof start>> | undefined

  beforeAll(async () => {
    const path = join(ROOT, 'dist/examples/datasette-api/server.js')
    if (!existsSync(path)) throw new Error('dist/examples/datasette-api/server.js does not exist: run "npm run build"')
    server = await start(path)
  })

  afterAll(async () => {
    if (server !== undefined && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM')
      await server.exit
    }
  })

  test('the bot inserts a row with demo-bot-token, as the printed note suggests', async () => {
    if (server === undefined) throw new Error('the server did not start')
    expect(server.output).toContain("the bot's static token demo-bot-token")
    const base = new URL(server.url).origin
    const res = await fetch(`${base}/docs/documents/-/insert`, {
      method: 'POST',
      headers: { Authorization: 'Bearer demo-bot-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ row: { title: 'Hi', published: false } }),
    })
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({ ok: true, rows: [{ id: 4, title: 'Hi', body: null, published: false }] })
  })
})

describe.each([
  ['npm start', 'dist/examples/datasette-api/server.js'],
  ['koa-api', 'dist/examples/koa-api/server.js'],
  ['fastify-api', 'dist/examples/fastify-api/server.js'],
])('%s: the one-time root login link opens the token page, once', (_name, script) => {
  test('the printed curl line carries a managed token', async () => {
    const path = join(ROOT, script)
    if (!existsSync(path)) throw new Error(`${script} does not exist: run "npm run build"`)
    const server = await start(path)
    try {
      expect(server.token).toMatch(/^tgk_/)
      expect(server.output).toContain('A managed root token for the next hour')
    } finally {
      server.child.kill('SIGTERM')
      await server.exit
    }
  })

  test('the printed link signs a browser in as root; a second visit is refused', async () => {
    const path = join(ROOT, script)
    if (!existsSync(path)) throw new Error(`${script} does not exist: run "npm run build"`)
    const server = await start(path)
    try {
      const link = /^Manage tokens in a browser, signed in as root \(a one-time link, valid 5 minutes\): (http:\/\/127\.0\.0\.1:[0-9]+\/-\/login\?token=\S+)$/m.exec(server.output)?.[1]
      expect(link).toBeDefined()
      const first = await fetch(link ?? '', { redirect: 'manual' })
      expect(first.status).toBe(302)
      expect(first.headers.get('location')).toBe('/-/tokens')
      const cookie = /^(ds_actor=[^;]+)/.exec(first.headers.get('set-cookie') ?? '')?.[1]
      expect(cookie).toBeDefined()
      const page = await fetch(new URL('/-/tokens', link), { headers: { Cookie: cookie ?? '' } })
      expect(page.status).toBe(200)
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
      // near miss: the same page without the cookie, and the link a second time
      expect((await fetch(new URL('/-/tokens', link))).status).toBe(401)
      expect((await fetch(link ?? '', { redirect: 'manual' })).status).toBe(403)
    } finally {
      server.child.kill('SIGTERM')
      await server.exit
    }
  })
})
