// Preloaded (node --import) by the docs-examples test into every example it runs: a server an
// example starts with app.listen(8001) listens on 127.0.0.1 at a free port instead, so examples
// run side by side and never collide with anything on the machine, and the port it got is
// reported on stderr for the test to send its requests to.
import net from 'node:net'

const listen = net.Server.prototype.listen
net.Server.prototype.listen = function listenOnAFreePort(...args) {
  const callback = typeof args.at(-1) === 'function' ? args.at(-1) : undefined
  this.once('listening', () => process.stderr.write(`DOCS-EXAMPLE-LISTENING ${this.address().port}\n`))
  return callback === undefined ? listen.call(this, 0, '127.0.0.1') : listen.call(this, 0, '127.0.0.1', callback)
}
