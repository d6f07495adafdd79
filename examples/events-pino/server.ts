/**
 * The events demo on http://127.0.0.1:8004 (or `PORT`; `PORT=0` picks a free port):
 * `npm run build && node dist/examples/events-pino/server.js`. It makes a managed token for
 * alice, prints a curl line with it, and logs every event as a pino JSON line on standard
 * output. Send the curl line six times within a minute to see the rate limit refuse the sixth.
 *
 * @module
 */
import { curlLine, serve } from '../shared/serve.js'
import { createApp } from './app.js'

const { app, gate } = createApp()

gate.tokens!.create({ actorId: 'alice', name: 'demo', createdBy: 'server.ts' }).then(
  ({ token }) => {
    serve(app, {
      defaultPort: 8004,
      onListening(base) {
        console.log(`tokengate demo: events as pino JSON lines, ${base} (Ctrl-C to stop)`)
        console.log("A managed token of alice's, limited with every caller to 5 requests a minute:")
        console.log(curlLine(token, `${base}/docs/documents`))
        console.log('Also try: the same URL without the header (401), with a made-up token (401), and six times in a row (429); watch the log lines.')
      },
    })
  },
  (error: unknown) => {
    console.error(`The demo could not make its token: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  },
)
