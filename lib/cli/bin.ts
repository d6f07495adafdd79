#!/usr/bin/env node
/**
 * The `tokengate` executable: runs {@link main} with this process's arguments, streams,
 * environment, clock and working directory, and sets the exit status. Everything else lives in
 * importable modules.
 *
 * A closed pipe (`tokengate check … | head -1`: the reader exits after the first line) is not an
 * error: Node ignores SIGPIPE, so every later write fails with EPIPE, emitted as an `error` event
 * that would otherwise crash the process with a stack trace. Once a stream reports EPIPE,
 * writes to it are dropped, and the command ends with its own exit status, quietly.
 *
 * @module
 */
import { main } from './main.js'

/** A writer for a stream that stops writing, quietly, once its reader has gone (EPIPE). */
function writerFor(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      closed = true
      return
    }
    // Any other failure of an output stream: nothing sensible can be written; fail.
    closed = true
    process.exitCode = 1
  })
  return (text) => {
    if (!closed) stream.write(text)
  }
}

main(process.argv.slice(2), {
  stdout: writerFor(process.stdout),
  stderr: writerFor(process.stderr),
  env: process.env,
  now: () => Date.now(),
  cwd: process.cwd(),
}).then(
  (status) => {
    // exitCode, not exit(): lets piped output drain before the process ends. A failed stream
    // (other than a closed pipe) has set 1 already.
    if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = status
  },
  (error: unknown) => {
    process.stderr.write(`tokengate: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
