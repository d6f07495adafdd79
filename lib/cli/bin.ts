#!/usr/bin/env node
/**
 * The `tokengate` executable: runs {@link main} with this process's arguments, streams,
 * environment, clock and working directory, and sets the exit status. Everything else lives in
 * importable modules.
 *
 * @module
 */
import { main } from './main.js'

main(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  now: () => Date.now(),
  cwd: process.cwd(),
}).then(
  (status) => {
    // exitCode, not exit(): lets piped output drain before the process ends.
    process.exitCode = status
  },
  (error: unknown) => {
    process.stderr.write(`tokengate: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
