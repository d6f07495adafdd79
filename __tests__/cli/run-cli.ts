/**
 * Runs the `tokengate` CLI for the tests, two ways, and makes temporary directories for it to
 * work in:
 *
 * - {@link runCli} calls the CLI's `main` in this process with its own streams, environment,
 *   clock and working directory: what almost every test uses, because it is fast.
 * - {@link spawnCli} runs the BUILT executable (dist/lib/cli/bin.js) as a subprocess, for the
 *   few smoke tests of what only bin.ts does (process arguments, environment and working
 *   directory, the exit status, the output streams). `npm test` builds before jest runs.
 *
 * Both see only PATH and the variables a test gives, never the test process's environment.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { main } from '../../lib/cli/main.js'

/** The built executable. */
export const BIN = resolve(__dirname, '../../dist/lib/cli/bin.js')

/** What a run of the CLI produced. */
export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** How to run the CLI. */
export interface RunOptions {
  /** Environment variables besides PATH, which is always passed. @defaultValue `{}` */
  env?: Record<string, string>
  /** The working directory. @defaultValue `process.cwd()` */
  cwd?: string
}

/** The environment a run sees: PATH and the given variables, nothing else. */
function cleanEnv(env: Record<string, string> | undefined): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '', ...env }
}

/**
 * Run `tokengate ARGS…` in process: `main(args, io)` with output captured, only PATH and the
 * given variables in its environment, and `cwd` as its working directory (the process's own is
 * never changed).
 *
 * @param options - `env`, `cwd`, and `now` for a fixed clock (unix milliseconds; the real clock
 *   by default, as a spawned run has).
 */
export async function runCli(args: readonly string[], options: RunOptions & { now?: () => number } = {}): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const status = await main(args, {
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
    },
    env: cleanEnv(options.env),
    now: options.now ?? (() => Date.now()),
    cwd: options.cwd ?? process.cwd(),
  })
  return { status, stdout, stderr }
}

/**
 * Run the built `tokengate` executable as a subprocess with only PATH and the given variables in
 * its environment.
 *
 * @param options - `env`, `cwd`, and `nodeOptions`: arguments for node before the script, such
 *   as `--import` of a module that breaks something on purpose.
 * @throws Error when dist/ has not been built.
 */
export function spawnCli(args: readonly string[], options: RunOptions & { nodeOptions?: readonly string[] } = {}): CliResult {
  if (!existsSync(BIN)) {
    throw new Error(`${BIN} is missing: build first (npm run build; npm test builds before running jest)`)
  }
  const result = spawnSync(process.execPath, [...(options.nodeOptions ?? []), BIN, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    encoding: 'utf8',
    timeout: 15_000,
  })
  if (result.error !== undefined) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-cli-'))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Every file in a directory with its bytes, to prove a command wrote nothing. */
export function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name)).toString('base64')]))
}

/** The lines of an output, without the final newline. */
export function lines(text: string): string[] {
  return text.replace(/\n$/, '').split('\n')
}
