/**
 * What the three example servers share: reading `PORT`, listening on 127.0.0.1, printing a curl
 * line that works, and shutting down cleanly on Ctrl-C. The apps themselves never listen (their
 * `createApp` is what the tests drive); only the `server.ts` files call {@link serve}.
 *
 * @module
 */
import { type RequestListener, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Options of {@link serve}. */
export interface ServeOptions {
  /** The port used when `PORT` is unset. `PORT=0` picks a free port. */
  defaultPort: number
  /** What to print once the server listens; receives the base URL, such as `http://127.0.0.1:8001`. */
  onListening: (baseUrl: string) => void
  /** What to release once the server has stopped (a token store). */
  onClose?: () => Promise<void> | void
}

/** The port from `PORT`, or the default; a clear error for anything that is not a port number. */
export function portFromEnv(value: string | undefined, defaultPort: number): number {
  if (value === undefined || value === '') return defaultPort
  const port = Number(value)
  if (!/^[0-9]+$/.test(value) || port > 65_535) {
    throw new TypeError(`PORT must be a port number from 0 to 65535 (0 picks a free port), got ${JSON.stringify(value)}`)
  }
  return port
}

/**
 * Listen on 127.0.0.1 at `PORT` (or the default port), call `onListening` with the real address
 * (so `PORT=0` prints the port it got), and close the server on SIGINT or SIGTERM. A port already
 * in use ends the process with a one-line message and exit code 1.
 */
export function serve(listener: RequestListener, options: ServeOptions): void {
  let port: number
  try {
    port = portFromEnv(process.env['PORT'], options.defaultPort)
  } catch (error) {
    console.error((error as Error).message)
    process.exitCode = 1
    return
  }
  const server = createServer(listener)
  server.on('error', (error: NodeJS.ErrnoException) => {
    console.error(
      error.code === 'EADDRINUSE'
        ? `Port ${port} is already in use: set PORT to another port (PORT=0 picks a free one)`
        : `The server could not start: ${error.message}`,
    )
    process.exitCode = 1
  })
  server.listen(port, '127.0.0.1', () => {
    const { port: actual } = server.address() as AddressInfo
    options.onListening(`http://127.0.0.1:${actual}`)
  })
  const stop = (): void => {
    server.close(() => {
      void Promise.resolve(options.onClose?.()).catch((error: unknown) => {
        console.error(`Shutting down: ${(error as Error).message}`)
        process.exitCode = 1
      })
    })
    server.closeAllConnections()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

/** Characters a URL may carry without quoting it for a POSIX shell. */
const SHELL_SAFE = /^[A-Za-z0-9_:/.\-]+$/

/**
 * A curl command line that sends `token` as a bearer token to `url`. The URL is single-quoted
 * when it holds characters a shell would interpret (`&`, `?`, `*`, …).
 */
export function curlLine(token: string, url: string): string {
  return `curl -H 'Authorization: Bearer ${token}' ${SHELL_SAFE.test(url) ? url : `'${url}'`}`
}
