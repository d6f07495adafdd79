/**
 * Starting, probing and stopping scenario servers, each in its own child process. The driver
 * (`run.ts`) and the benchmark's test (`__tests__/examples/benchmark.test.ts`) both go through
 * {@link startScenarioServer}, so the test checks exactly the servers the benchmark measures.
 *
 * Servers listen on 127.0.0.1 on a port the OS picks; every start and every probe has a time
 * limit; every child is killed by {@link RunningServer.stop} or {@link stopAllServers}, and
 * exits by itself when its parent goes away.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { request } from 'node:http'
import path from 'node:path'
import { type Framework, type ScenarioName, scenarioNamed } from './scenarios.js'

/** A scenario server that is up and listening. */
export interface RunningServer {
  /** The scenario it serves. */
  readonly scenario: ScenarioName
  /** Its port on 127.0.0.1. */
  readonly port: number
  /** Its process id. */
  readonly pid: number
  /** Kill it (SIGTERM, then SIGKILL after a second) and wait until it has exited. */
  stop(): Promise<void>
}

/** Options of {@link startScenarioServer}. */
export interface StartOptions {
  /**
   * The compiled server script.
   * @defaultValue {@link serverScript} of the scenario's framework
   */
  script?: string
  /**
   * How long the server may take to report that it listens, in milliseconds.
   * @defaultValue 10000
   */
  timeoutMs?: number
  /** More environment variables for the server (the test sets `TOKENGATE_BENCH_RATE_POINTS`). */
  env?: NodeJS.ProcessEnv
}

/** What a probe got back. */
export interface ProbeResult {
  readonly status: number
  readonly body: string
  readonly headers: { readonly [name: string]: string | string[] | undefined }
}

const live = new Set<ChildProcess>()

/**
 * The compiled scenario server of a framework, `server.js` (Express) or `fastify-server.js`:
 * beside the running driver when the process was started as `node …/benchmark/run.js`, else
 * under `dist/examples/benchmark/` in the current directory (the repository root, for
 * `npm run bench` and jest alike).
 */
export function serverScript(framework: Framework = 'express'): string {
  const file = framework === 'express' ? 'server.js' : 'fastify-server.js'
  const entry = process.argv[1] ?? ''
  if (/[\\/]benchmark[\\/]run\.js$/.test(entry)) return path.join(path.dirname(entry), file)
  return path.join(process.cwd(), 'dist', 'examples', 'benchmark', file)
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      live.delete(child)
      resolve()
      return
    }
    // A managed scenario's cleanups (usage entries, its store, its PostgreSQL schema) may take a
    // few seconds on a busy machine; the server exits by itself when they are done.
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', () => {
      clearTimeout(force)
      live.delete(child)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/**
 * A scenario server's side of the protocol {@link startScenarioServer} reads: tell the driver the
 * server listens, over the IPC channel, or on stdout when started by hand.
 */
export function reportReady(scenario: ScenarioName, port: number): void {
  const message = { type: 'ready', scenario, port }
  if (process.send !== undefined) process.send(message)
  else process.stdout.write(`${JSON.stringify(message)}\n`)
}

/**
 * Start the server of one scenario as a separate Node process (`node server.js <scenario>`, or
 * `fastify-server.js` for a Fastify scenario, with `NODE_ENV=production`) and wait until it listens.
 *
 * @throws Error when the script does not exist, the process exits early, or it does not report
 * a port within the time limit; the process is killed first.
 */
export function startScenarioServer(scenario: ScenarioName, options: StartOptions = {}): Promise<RunningServer> {
  const script = options.script ?? serverScript(scenarioNamed(scenario).framework)
  const timeoutMs = options.timeoutMs ?? 10_000
  const child = spawn(process.execPath, [script, scenario], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...options.env, NODE_ENV: 'production' },
  })
  live.add(child)
  return new Promise<RunningServer>((resolve, reject) => {
    const fail = (error: Error): void => {
      clearTimeout(timer)
      void kill(child).then(() => reject(error))
    }
    const timer = setTimeout(
      () => fail(new Error(`Scenario server ${scenario} did not report a port within ${timeoutMs} ms (${script})`)),
      timeoutMs,
    )
    child.once('error', (error) => fail(new Error(`Cannot start scenario server ${scenario} (${script}): ${error.message}`)))
    child.once('exit', (code, signal) => {
      fail(new Error(`Scenario server ${scenario} exited before listening (code ${String(code)}, signal ${String(signal)}); is ${script} built? Run npm run build`))
    })
    child.on('message', (message: unknown) => {
      const { type, port } = (message ?? {}) as { type?: unknown; port?: unknown }
      if (type !== 'ready' || typeof port !== 'number') return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      resolve({ scenario, port, pid: child.pid ?? -1, stop: () => kill(child) })
    })
  })
}

/** Kill every scenario server this process started and has not stopped yet. */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...live].map(kill))
}

/**
 * Send one GET request to a scenario server on 127.0.0.1, with `Authorization: Bearer <token>`
 * when a token is given, and read the whole answer.
 *
 * @throws Error on a connection error or when no answer comes within `timeoutMs`.
 */
export function probe(port: number, urlPath: string, token: string | null, timeoutMs = 5000): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: 'GET',
        agent: false,
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`No answer from 127.0.0.1:${port}${urlPath} within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end()
  })
}
