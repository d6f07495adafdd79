/**
 * A TCP proxy on 127.0.0.1 to a server the tests share (Redis, PostgreSQL), that a test stops and starts
 * again on the same port: the way to make "the server went away" happen without touching the
 * server itself, which other test runs use at the same time.
 */
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net'

export interface TcpProxy {
  /** Listen (on the same port as before, after the first start); resolves with the port. */
  start(): Promise<number>
  /** Stop listening and cut every connection through it. */
  stop(): Promise<void>
  /** The port it listens on (0 before the first start). */
  readonly port: number
}

export function tcpProxy(target: { host: string; port: number }): TcpProxy {
  const sockets = new Set<Socket>()
  let server: Server | null = null
  let port = 0
  return {
    get port() {
      return port
    },
    start() {
      return new Promise((resolve, reject) => {
        server = createServer((client) => {
          const upstream = connect(target.port, target.host)
          sockets.add(client).add(upstream)
          client.on('error', () => upstream.destroy())
          upstream.on('error', () => client.destroy())
          client.on('close', () => {
            sockets.delete(client)
            upstream.destroy()
          })
          upstream.on('close', () => {
            sockets.delete(upstream)
            client.destroy()
          })
          client.pipe(upstream).pipe(client)
        })
        server.once('error', reject)
        server.listen(port, '127.0.0.1', () => {
          port = (server!.address() as AddressInfo).port
          resolve(port)
        })
      })
    },
    stop() {
      return new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        sockets.clear()
        if (server === null) return resolve()
        server.close(() => resolve())
        server = null
      })
    },
  }
}
