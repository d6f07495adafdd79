/**
 * The Fastify version of the Datasette-style demo on http://127.0.0.1:8003 (or `PORT`; `PORT=0`
 * picks a free port and prints it): `npm run build && node dist/examples/fastify-api/server.js`.
 * Same environment as the Express demo (`npm start`): `TOKENGATE_STORE` (else
 * `sqlite:data/tokens.db`, the same file), `TOKENGATE_SECRET` (else a random secret), `BOT_TOKEN`
 * (else `demo-bot-token`). Like it, it prints a managed root token and a one-time login link to
 * the token page.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { demoRootToken, loginLine, openDemoStore } from '../shared/demo-tokens.js'
import { curlLine, portFromEnv } from '../shared/serve.js'
import { DEMO_BOT_TOKEN, createApp } from './app.js'

async function main(): Promise<void> {
  const fromEnv = process.env['TOKENGATE_SECRET']
  if (fromEnv === '') {
    console.error('TOKENGATE_SECRET is set but empty: unset it (a random secret is then used) or give it a value')
    process.exitCode = 1
    return
  }
  let port: number
  try {
    port = portFromEnv(process.env['PORT'], 8003)
  } catch (error) {
    console.error((error as Error).message)
    process.exitCode = 1
    return
  }
  const { store } = await openDemoStore()
  const { app, gate, loginLink } = createApp({ secret: fromEnv ?? randomBytes(32).toString('hex'), tokenStore: store })
  app.addHook('onClose', async () => {
    await gate.close()
    await store.close()
  })
  try {
    await app.listen({ port, host: '127.0.0.1' })
  } catch (error) {
    await app.close()
    const code = (error as NodeJS.ErrnoException).code
    console.error(
      code === 'EADDRINUSE'
        ? `Port ${port} is already in use: set PORT to another port (PORT=0 picks a free one)`
        : `The server could not start: ${(error as Error).message}`,
    )
    process.exitCode = 1
    return
  }
  const address = app.server.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : port}`
  const token = await demoRootToken(gate, 'examples/fastify-api')
  const botToken = process.env['BOT_TOKEN'] === undefined ? DEMO_BOT_TOKEN : '$BOT_TOKEN'
  console.log(`tokengate demo: the Datasette-style API on Fastify, ${base} (Ctrl-C to stop)`)
  console.log('A managed root token for the next hour, reading a table anonymous callers may not see:')
  console.log(curlLine(token, `${base}/docs/staff_notes`))
  if (loginLink !== null) console.log(loginLine(base, loginLink))
  console.log(
    `Also try: the same URL without the header (401); ${base}/-/actor; ${base}/-/permissions?action=insert-row&database=docs&resource=documents; ` +
      `the bot's static token ${botToken} on POST ${base}/docs/documents/-/insert with -H 'Content-Type: application/json' -d '{"row": {"title": "Hi", "published": false}}'.`,
  )
  const stop = (): void => {
    void app.close()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

await main()
