/**
 * `npm start`: the Datasette-style demo on http://127.0.0.1:8001 (or `PORT`; `PORT=0` picks a
 * free port and prints it). Like `datasette --root`, it gives the root actor a token and prints a
 * curl line that uses it: a managed token (`tgk_…`), kept hashed in a SQLite file under the
 * git-ignored `data/` folder, so the tokens it made before still work after a restart, and
 * `tokengate tokens list --store sqlite:data/tokens.db` shows them.
 *
 * Environment:
 * - `PORT`: the port (default 8001).
 * - `TOKENGATE_STORE`: where managed tokens are kept (default `sqlite:data/tokens.db`, relative
 *   to the working directory; the CLI reads the same variable).
 * - `TOKENGATE_SECRET`: the secret of `dstok_` tokens; without it a random one is made at start,
 *   so those tokens stop working when the process ends (as in Datasette).
 * - `BOT_TOKEN`: the bot's static token from metadata.json's datasette-auth-tokens block; without
 *   it the demo uses `demo-bot-token`.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { DEFAULT_STORE, demoRootToken, loginLine, openDemoStore } from '../shared/demo-tokens.js'
import { curlLine, serve } from '../shared/serve.js'
import { DEMO_BOT_TOKEN, createApp } from './app.js'

async function main(): Promise<void> {
  const fromEnv = process.env['TOKENGATE_SECRET']
  if (fromEnv === '') {
    console.error('TOKENGATE_SECRET is set but empty: unset it (a random secret is then used) or give it a value')
    process.exit(1)
  }
  const { store, url: storeUrl } = await openDemoStore()
  const secret = fromEnv ?? randomBytes(32).toString('hex')
  const { app, gate, loginLink } = createApp({ secret, tokenStore: store })

  serve(app, {
    defaultPort: 8001,
    onClose: async () => {
      await gate.close()
      await store.close()
    },
    onListening(base) {
      void (async () => {
        const token = await demoRootToken(gate, 'npm start')
        const botToken = process.env['BOT_TOKEN'] === undefined ? DEMO_BOT_TOKEN : '$BOT_TOKEN'
        console.log(`tokengate demo: a Datasette-style API on ${base} (Ctrl-C to stop)`)
        console.log('A managed root token for the next hour, reading a table anonymous callers may not see:')
        console.log(curlLine(token, `${base}/docs/staff_notes`))
        console.log('Why root may insert into docs/documents (the permissions-debug page, which only root may see):')
        console.log(curlLine(token, `${base}/-/permissions?action=insert-row&database=docs&resource=documents`))
        if (loginLink !== null) console.log(loginLine(base, loginLink))
        console.log(
          `It is kept hashed in ${storeUrl === DEFAULT_STORE ? 'data/tokens.db' : 'TOKENGATE_STORE'}, so it survives a restart; ` +
            `list or revoke tokens with: npm run tokengate -- tokens list --store ${storeUrl === DEFAULT_STORE ? DEFAULT_STORE : '"$TOKENGATE_STORE"'}`,
        )
        console.log(
          `Also try: the same URLs without the header (401); ${base}/-/actor; ` +
            `the bot's static token ${botToken} on POST ${base}/docs/documents/-/insert with -H 'Content-Type: application/json' -d '{"row": {"title": "Hi", "published": false}}'.`,
        )
      })().catch((error: unknown) => {
        console.error(`Cannot create the demo token: ${(error as Error).message}`)
        process.exit(1)
      })
    },
  })
}

void main()
