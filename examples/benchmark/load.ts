/**
 * The benchmark's load generator: keep-alive HTTP/1.1 connections on 127.0.0.1, each sending one
 * fixed GET request at a time (pipelining 1) and checking every answer's status and exact body.
 *
 * Why not autocannon, which the benchmark used first: on two cores the load generator and the
 * server share the machine, and autocannon spends about as much CPU per request as bare Fastify
 * does to answer it (about 20 µs each here), so it cannot keep bare Fastify busy: the server
 * waited for requests, and its req/s measured autocannon. This generator does only what the
 * benchmark needs (one prepared request, answers with `Content-Length`, status and body
 * compared as bytes, a latency histogram) and costs about half as much per request, which leaves
 * the server a whole core. `--load autocannon` still runs autocannon, to compare.
 *
 * It understands exactly the answers the scenario servers give: HTTP/1.1, keep-alive, a
 * `Content-Length` body. Anything else (a chunked body, a closed connection, a malformed head)
 * counts as an error, so a server that answers oddly fails the run instead of being mismeasured.
 *
 * @module
 */
import { type Socket, connect } from 'node:net'

/** Options of {@link generateLoad}. */
export interface LoadOptions {
  /** The server's port on 127.0.0.1. */
  readonly port: number
  /** The request path, such as `/docs/documents`. */
  readonly path: string
  /** Extra request headers, such as `{ authorization: 'Bearer …' }`. */
  readonly headers: { readonly [name: string]: string }
  /** Concurrent connections, each with one request in flight. */
  readonly connections: number
  /** How long to send requests, in seconds. */
  readonly seconds: number
  /** The exact body of a good answer; every 2xx answer is compared with it. */
  readonly expectBody: string
  /**
   * How long one request may take before it counts as a timeout (its connection is then
   * replaced), in milliseconds.
   * @defaultValue 10000
   */
  readonly timeoutMs?: number
}

/** What a run measured. */
export interface LoadResult {
  /** Answers received: every completed request, good or bad. */
  readonly requests: number
  /** Seconds from the first request sent to the last answer received. */
  readonly duration: number
  /** The 99th percentile latency, in milliseconds. */
  readonly p99: number
  /** Answers whose status was not 2xx. */
  readonly non2xx: number
  /** 2xx answers whose body was not {@link LoadOptions.expectBody}. */
  readonly mismatches: number
  /** Connection errors, closed connections and answers this generator cannot read. */
  readonly errors: number
  /** Requests that had no answer within the timeout. */
  readonly timeouts: number
  /** How many answers had each status. */
  readonly statusCodes: { readonly [status: string]: number }
}

/** A run in progress. */
export interface LoadRun extends Promise<LoadResult> {
  /** End the run early; the promise still resolves with what was measured so far. */
  stop(): void
}

const HEAD_END = Buffer.from('\r\n\r\n')
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*([0-9]+)[ \t]*\r\n/i
const CHUNKED = /\r\ntransfer-encoding:[^\r]*chunked/i

/** Latency histogram: 10 µs buckets up to 100 ms, then 1 ms buckets up to 10 s, then one for slower. */
const FINE_US = 10
const FINE_BUCKETS = 10_000
const COARSE_US = 1000
const BUCKETS = FINE_BUCKETS + 9_900

/** The histogram bucket of a latency in microseconds. */
function bucketOf(latencyUs: number): number {
  if (latencyUs < FINE_US * FINE_BUCKETS) return Math.floor(latencyUs / FINE_US)
  return Math.min(FINE_BUCKETS + Math.floor((latencyUs - FINE_US * FINE_BUCKETS) / COARSE_US), BUCKETS)
}

/** The upper edge of a bucket, in milliseconds. */
function bucketTopMs(index: number): number {
  if (index < FINE_BUCKETS) return ((index + 1) * FINE_US) / 1000
  return (FINE_US * FINE_BUCKETS + (index - FINE_BUCKETS + 1) * COARSE_US) / 1000
}

/**
 * Load a server for `seconds` and resolve with what it answered. Never rejects for bad answers:
 * the caller decides (the driver fails the benchmark on a single one). Rejects only when no
 * connection can be opened at all.
 */
export function generateLoad(options: LoadOptions): LoadRun {
  const timeoutMs = options.timeoutMs ?? 10_000
  const expected = Buffer.from(options.expectBody, 'utf8')
  const headerLines = Object.entries(options.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')
  const request = Buffer.from(`GET ${options.path} HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\n${headerLines}\r\n`, 'latin1')
  const histogram = new Uint32Array(BUCKETS + 1)
  const statusCodes: Record<string, number> = {}
  let requests = 0
  let non2xx = 0
  let mismatches = 0
  let errors = 0
  let timeouts = 0
  let stopping = false
  let started = 0
  let lastAnswer = 0
  /** Every open connection, with when its request in flight was sent (0: none yet). */
  const sockets = new Map<Socket, { sentAt: number }>()

  let finish: (result: LoadResult) => void = () => undefined
  let fail: (error: Error) => void = () => undefined
  const promise = new Promise<LoadResult>((resolve, reject) => {
    finish = resolve
    fail = reject
  })

  const result = (): LoadResult => {
    const total = histogram.reduce((sum, n) => sum + n, 0)
    let seen = 0
    let p99 = 0
    for (let i = 0; i <= BUCKETS; i += 1) {
      seen += histogram[i] ?? 0
      if (seen >= total * 0.99) {
        p99 = bucketTopMs(i)
        break
      }
    }
    return {
      requests,
      duration: Math.max(lastAnswer - started, 1) / 1000,
      p99,
      non2xx,
      mismatches,
      errors,
      timeouts,
      statusCodes: { ...statusCodes },
    }
  }

  const maybeDone = (): void => {
    if (stopping && sockets.size === 0) {
      clearInterval(watchdog)
      clearTimeout(timer)
      finish(result())
    }
  }

  /** One connection: send, read one answer, check it, send again. */
  const open = (): void => {
    const socket = connect(options.port, '127.0.0.1')
    socket.setNoDelay(true)
    const inFlight = { sentAt: 0 }
    sockets.set(socket, inFlight)
    let pending: Buffer | null = null
    let connected = false
    const send = (): void => {
      inFlight.sentAt = performance.now()
      socket.write(request)
    }
    const broken = (): void => {
      if (!sockets.delete(socket)) return
      socket.destroy()
      if (!connected && requests === 0 && !stopping) {
        stopping = true
        for (const other of sockets.keys()) other.destroy()
        sockets.clear()
        clearInterval(watchdog)
        clearTimeout(timer)
        fail(new Error(`Cannot connect to 127.0.0.1:${options.port}`))
        return
      }
      errors += 1
      if (stopping) maybeDone()
      else open()
    }
    socket.on('connect', () => {
      connected = true
      if (started === 0) started = performance.now()
      send()
    })
    socket.on('error', broken)
    socket.on('close', broken)
    socket.on('data', (chunk: Buffer) => {
      const buffer = pending === null ? chunk : Buffer.concat([pending, chunk])
      pending = null
      const headEnd = buffer.indexOf(HEAD_END)
      if (headEnd === -1) {
        pending = buffer
        return
      }
      const head = buffer.toString('latin1', 0, headEnd + 2)
      const length = CONTENT_LENGTH.exec(head)?.[1]
      if (length === undefined || CHUNKED.test(head) || !head.startsWith('HTTP/1.1 ')) {
        broken()
        return
      }
      const bodyStart = headEnd + HEAD_END.length
      const bodyEnd = bodyStart + Number(length)
      if (buffer.length < bodyEnd) {
        pending = buffer
        return
      }
      if (buffer.length > bodyEnd) {
        // A second answer to one request: this generator never pipelines, so the server is wrong.
        broken()
        return
      }
      const now = performance.now()
      lastAnswer = now
      requests += 1
      const latencyUs = (now - inFlight.sentAt) * 1000
      const index = bucketOf(latencyUs)
      histogram[index] = (histogram[index] ?? 0) + 1
      const status = head.slice(9, 12)
      statusCodes[status] = (statusCodes[status] ?? 0) + 1
      if (status[0] !== '2') non2xx += 1
      else if (buffer.compare(expected, 0, expected.length, bodyStart, bodyEnd) !== 0) mismatches += 1
      if (stopping) {
        sockets.delete(socket)
        socket.destroy()
        maybeDone()
        return
      }
      send()
    })
  }

  const watchdog = setInterval(() => {
    const now = performance.now()
    for (const [socket, { sentAt }] of [...sockets]) {
      if (sentAt !== 0 && now - sentAt > timeoutMs) {
        timeouts += 1
        sockets.delete(socket)
        socket.destroy()
        if (stopping) maybeDone()
        else open()
      }
    }
  }, 250)

  const stop = (): void => {
    if (stopping) return
    stopping = true
    // Connections waiting for an answer finish it; idle ones (none, at pipelining 1) close now.
    maybeDone()
  }
  const timer = setTimeout(stop, options.seconds * 1000)

  for (let i = 0; i < options.connections; i += 1) open()
  return Object.assign(promise, { stop })
}
