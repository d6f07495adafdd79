/**
 * `npm start` keeps its managed tokens: the built demo server, started as a newcomer starts it,
 * prints a curl line with a managed (tgk_) token kept in SQLite; after a restart that token still
 * works, and the store holds both tokens, hashed. The store is a temporary file here
 * (TOKENGATE_STORE), so the test leaves the repository's data/ folder alone.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')
const SCRIPT = join(ROOT, 'dist/examples/datasette-api/server.js')
const CURL_LINE = /^curl -H 'Authorization: Bearer ([^'\s]+)' ('?)(http:\/\/127\.0\.0\.1:[0-9]+\/[^'\s]*)\2$/m
const BANNER_END = /^Also try.*\n/m

interface Running {
  child: ChildProcess
  token: string
  url: string
  output: string
  exit: Promise<number | null>
}

function start(store: string): Promise<Running> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', TOKENGATE_STORE: store }
  delete env['TOKENGATE_SECRET']
  delete env['BOT_TOKEN']
  const child = spawn(process.execPath, [SCRIPT], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const match = CURL_LINE.exec(output)
      if (match !== null && BANNER_END.test(output)) resolve({ child, token: match[1]!, url: match[3]!, output, exit })
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
    })
    void exit.then((code) => reject(new Error(`the demo exited (${code}) before printing its curl line:\n${output}`)))
  })
}

async function stop(running: Running): Promise<number | null> {
  running.child.kill('SIGTERM')
  return running.exit
}

let dir: string
beforeAll(() => {
  if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run npm run build (npm test builds first)`)
  dir = mkdtempSync(join(tmpdir(), 'tokengate-demo-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

test('the printed managed token still works after a restart', async () => {
  const store = `sqlite:${join(dir, 'tokens.db')}`
  const first = await start(store)
  expect(first.token).toMatch(/^tgk_[0-9A-Za-z]{38}$/)
  expect(first.output).toContain('survives a restart')
  expect((await fetch(first.url, { headers: { Authorization: `Bearer ${first.token}` } })).status).toBe(200)
  expect(await stop(first)).toBe(0)

  const second = await start(store)
  try {
    expect(second.token).not.toBe(first.token)
    for (const token of [first.token, second.token]) {
      expect((await fetch(second.url, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200)
    }
    const tampered = `${first.token.slice(0, -1)}${first.token.endsWith('A') ? 'B' : 'A'}`
    expect((await fetch(second.url, { headers: { Authorization: `Bearer ${tampered}` } })).status).toBe(401)
  } finally {
    expect(await stop(second)).toBe(0)
  }
  const bytes = readFileSync(join(dir, 'tokens.db')).toString('latin1') + (existsSync(join(dir, 'tokens.db-wal')) ? readFileSync(join(dir, 'tokens.db-wal')).toString('latin1') : '')
  expect(bytes).not.toContain(first.token)
  expect(bytes).not.toContain(second.token)
}, 30_000)
