/**
 * How the shared token-administration suites (./runner.ts) send requests, whatever the
 * framework: supertest against an HTTP handler (Express, Koa), or Fastify's `inject()`, behind
 * the few calls of supertest the suites use (`get`/`post`/`patch`/`delete`, `set`, `send`,
 * awaited for `status`, `headers`, `body` and `text`).
 */
import type { FastifyInstance } from 'fastify'
import request from 'supertest'

/** An answer, as the suites read it. */
export interface Answer {
  readonly status: number
  /** Lower-case names; `set-cookie` always a list. */
  readonly headers: { readonly [name: string]: string | string[] | undefined }
  /** The parsed JSON body, or `{}` for any other (supertest's habit). */
  readonly body: any // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly text: string
}

/** A request being made. */
export interface Call extends PromiseLike<Answer> {
  set(name: string, value: string): Call
  /** An object is sent as JSON; a string as it is (form-encoded unless a Content-Type is set, as supertest does). */
  send(body: string | object): Call
}

/** What a suite sends its requests through. */
export interface Client {
  readonly kind: 'client'
  get(path: string): Call
  post(path: string): Call
  patch(path: string): Call
  delete(path: string): Call
}

/** What a framework's test file may give the suites: an HTTP handler for supertest, or a {@link Client}. */
export type Target = Parameters<typeof request>[0] | Client

/** The client of a target: supertest for an HTTP handler or server. */
export function http(target: Target): Client {
  if (typeof target === 'object' && target !== null && (target as Partial<Client>).kind === 'client') return target as Client
  const agent = request(target as Parameters<typeof request>[0])
  return {
    kind: 'client',
    get: (path) => agent.get(path) as unknown as Call,
    post: (path) => agent.post(path) as unknown as Call,
    patch: (path) => agent.patch(path) as unknown as Call,
    delete: (path) => agent.delete(path) as unknown as Call,
  }
}

/** A client that sends every request through Fastify's `inject()` (the app is made ready first). */
export function injectClient(app: FastifyInstance): Client {
  const call = (method: string, url: string): Call => {
    const headers: Record<string, string> = {}
    let payload: string | undefined
    const run = async (): Promise<Answer> => {
      const res = await app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) })
      const out: { [name: string]: string | string[] | undefined } = {}
      for (const [name, value] of Object.entries(res.headers)) out[name] = typeof value === 'number' ? String(value) : value
      const cookie = out['set-cookie']
      if (typeof cookie === 'string') out['set-cookie'] = [cookie]
      const json = String(out['content-type'] ?? '').startsWith('application/json') && res.body !== ''
      return { status: res.statusCode, headers: out, text: res.body, body: json ? (JSON.parse(res.body) as unknown) : {} }
    }
    const self: Call = {
      set(name, value) {
        headers[name.toLowerCase()] = value
        return self
      },
      send(body) {
        if (typeof body === 'string') {
          payload = body
          headers['content-type'] ??= 'application/x-www-form-urlencoded'
        } else {
          payload = JSON.stringify(body)
          headers['content-type'] ??= 'application/json'
        }
        return self
      },
      then(resolve, reject) {
        return run().then(resolve, reject)
      },
    }
    return self
  }
  return {
    kind: 'client',
    get: (path) => call('GET', path),
    post: (path) => call('POST', path),
    patch: (path) => call('PATCH', path),
    delete: (path) => call('DELETE', path),
  }
}
