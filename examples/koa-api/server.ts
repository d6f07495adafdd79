/**
 * The Koa version of the Datasette-style demo on http://127.0.0.1:8002 (or `PORT`; `PORT=0`
 * picks a free port and prints it): `npm run build && node dist/examples/koa-api/server.js`.
 * Same environment as the Express demo (`npm start`): `TOKENGATE_STORE` (else
 * `sqlite:data/tokens.db`, the same file), `TOKENGATE_SECRET` (else a random secret), `BOT_TOKEN`
 * (else `demo-bot-token`). Like it, it prints a managed root token and a one-time login link to
 * the token page.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { demoRootToken, loginLine, openDemoStore } from '../shared/demo-tokens.js'
import { curlLine, serve } from '../shared/serve.js'
import { createApp } from './app.js'

async function main(): Promise<void> {
  const fromEnv = process.env['TOKENGATE_SECRET']
  if (fromEnv === '') {
    console.error('TOKENGATE_SECRET is set but empty: unset it (a random secret is then used) or give it a value')
    process.exit(1)
  }
  const { store } = await openDemoStore()
  const { app, gate, loginLink } = createApp({ secret: fromEnv ?? randomBytes(32).toString('hex'), tokenStore: store })

  serve(app.callback(), {
    defaultPort: 8002,
    onClose: async () => {
      await gate.close()
      await store.close()
    },
    onListening(base) {
      void (async () => {
        const token = await demoRootToken(gate, 'examples/koa-api')
        console.log(`tokengate demo: the Datasette-style API on Koa, ${base} (Ctrl-C to stop)`)
        console.log('A managed root token for the next hour, reading a table anonymous callers may not see:')
        console.log(curlLine(token, `${base}/docs/staff_notes`))
        if (loginLink !== null) console.log(loginLine(base, loginLink))
        console.log(`Also try: the same URL without the header (401), ${base}/-/actor, and the routes of examples/datasette-api.`)
      })().catch((error: unknown) => {
        console.error(`Cannot create the demo token: ${(error as Error).message}`)
        process.exit(1)
      })
    },
  })
}

void main()
