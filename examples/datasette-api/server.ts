/**
 * `npm start`: the Datasette-style demo on http://127.0.0.1:8001 (or `PORT`; `PORT=0` picks a
 * free port and prints it). Like `datasette --root`, it signs a fresh `dstok_` token for the
 * root actor and prints a curl line that uses it.
 *
 * Environment:
 * - `PORT`: the port (default 8001).
 * - `TOKENGATE_SECRET`: the signing secret; without it a random one is made at start, so
 *   tokens stop working when the process ends (as in Datasette).
 * - `BOT_TOKEN`: the bot's static token from metadata.json's datasette-auth-tokens block; without
 *   it the demo uses `demo-bot-token`.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { curlLine, serve } from '../shared/serve.js'
import { DEMO_BOT_TOKEN, createApp } from './app.js'

const fromEnv = process.env['TOKENGATE_SECRET']
if (fromEnv === '') {
  console.error('TOKENGATE_SECRET is set but empty: unset it (a random secret is then used) or give it a value')
  process.exit(1)
}
const secret = fromEnv ?? randomBytes(32).toString('hex')
const { app, gate } = createApp({ secret })

serve(app, {
  defaultPort: 8001,
  onListening(base) {
    const token = gate.createSignedToken({ actorId: 'root', expiresAfter: 3600 })
    const botToken = process.env['BOT_TOKEN'] === undefined ? DEMO_BOT_TOKEN : '$BOT_TOKEN'
    console.log(`tokengate demo: a Datasette-style API on ${base} (Ctrl-C to stop)`)
    console.log('A root token for the next hour, reading a table anonymous callers may not see:')
    console.log(curlLine(token, `${base}/docs/staff_notes`))
    console.log('Why root may insert into docs/documents (the permissions-debug page, which only root may see):')
    console.log(curlLine(token, `${base}/-/permissions?action=insert-row&database=docs&resource=documents`))
    console.log(
      `Also try: the same URLs without the header (401); ${base}/-/actor; ` +
        `the bot's static token ${botToken} on POST ${base}/docs/documents/-/insert with -H 'Content-Type: application/json' -d '{"row": {"title": "Hi", "published": false}}'.`,
    )
  },
})
