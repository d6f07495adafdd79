/**
 * The Koa version of the Datasette-style demo on http://127.0.0.1:8002 (or `PORT`; `PORT=0`
 * picks a free port and prints it): `npm run build && node dist/examples/koa-api/server.js`.
 * Same environment as the Express demo: `TOKENGATE_SECRET` (else a random secret), `BOT_TOKEN`
 * (else `demo-bot-token`).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { curlLine, serve } from '../shared/serve.js'
import { createApp } from './app.js'

const fromEnv = process.env['TOKENGATE_SECRET']
if (fromEnv === '') {
  console.error('TOKENGATE_SECRET is set but empty: unset it (a random secret is then used) or give it a value')
  process.exit(1)
}
const { app, gate } = createApp({ secret: fromEnv ?? randomBytes(32).toString('hex') })

serve(app.callback(), {
  defaultPort: 8002,
  onListening(base) {
    const token = gate.createSignedToken({ actorId: 'root', expiresAfter: 3600 })
    console.log(`tokengate demo: the Datasette-style API on Koa, ${base} (Ctrl-C to stop)`)
    console.log('A root token for the next hour, reading a table anonymous callers may not see:')
    console.log(curlLine(token, `${base}/docs/staff_notes`))
    console.log(`Also try: the same URL without the header (401), ${base}/-/actor, and the routes of examples/datasette-api.`)
  },
})
