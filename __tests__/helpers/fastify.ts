/**
 * A Fastify app as a Node request listener, for the suites that drive Express, Koa and Fastify
 * alike through supertest: each request is handed to the app's own server once the app is
 * ready (`app.server.emit('request', …)` is what the server does with a real connection), so
 * Fastify's whole request lifecycle runs, hooks included, on a real socket.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'

/** A request listener that serves `app` once it is ready (a plugin that fails to load answers 500 and says why). */
export function fastifyListener(app: FastifyInstance): RequestListener {
  const ready = app.ready()
  return (req: IncomingMessage, res: ServerResponse) => {
    ready.then(
      () => app.server.emit('request', req, res),
      (error: unknown) => {
        res.statusCode = 500
        res.end(`the Fastify app did not start: ${String(error)}`)
      },
    )
  }
}
