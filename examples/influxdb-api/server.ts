/**
 * The InfluxDB-3-style demo on http://127.0.0.1:8181 (or `PORT`; `PORT=0` picks a free port and
 * prints it): `npm run build && node dist/examples/influxdb-api/server.js`. It mints two tokens of
 * the admin actor `root`: one restricted with the InfluxDB permissions
 * `db:sales:read` and `system:health:read`, and one unrestricted, and prints curl lines for both.
 * `TOKENGATE_SECRET` sets the signing secret (else a random one, so tokens die with the process).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { parsePermissions } from 'tokengate'
import { curlLine, serve } from '../shared/serve.js'
import { createApp } from './app.js'

const fromEnv = process.env['TOKENGATE_SECRET']
if (fromEnv === '') {
  console.error('TOKENGATE_SECRET is set but empty: unset it (a random secret is then used) or give it a value')
  process.exit(1)
}
const { app, gate } = createApp({ secret: fromEnv ?? randomBytes(32).toString('hex') })

serve(app, {
  defaultPort: 8181,
  onListening(base) {
    const readToken = gate.createSignedToken({
      actorId: 'root',
      expiresAfter: 3600,
      restrictions: parsePermissions(['db:sales:read', 'system:health:read']),
    })
    const adminToken = gate.createSignedToken({ actorId: 'root', expiresAfter: 3600 })
    console.log(`tokengate demo: an InfluxDB-3-style API on ${base} (Ctrl-C to stop)`)
    console.log('A token of root for the next hour, restricted to db:sales:read and system:health:read:')
    console.log(curlLine(readToken, `${base}/api/v3/query_sql?db=sales&q=SELECT%20*%20FROM%20orders`))
    console.log(`Also try that token on ${base}/health (200), ${base}/metrics (403) and a write (403). The unrestricted admin token writes:`)
    console.log(
      `curl -H 'Authorization: Bearer ${adminToken}' --data-binary 'orders,region=eu item="cup",qty=1i' '${base}/api/v3/write_lp?db=sales'`,
    )
  },
})
