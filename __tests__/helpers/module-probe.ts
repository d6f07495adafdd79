/**
 * Which modules a Node process loads when it imports something: a fresh process imports the
 * given specifiers (from the repository root, so `tokengate/fastify` resolves through
 * package.json "exports" to `dist/`) with a module loader hook that reports every module it
 * resolves, and reports `require.cache` for CommonJS modules loaded on the way. The answer is a
 * list of paths relative to the repository, such as `dist/lib/gate.js` or
 * `node_modules/express/index.js`.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

export const ROOT = join(__dirname, '..', '..')

/** Resolves every module through the default resolver and posts the URL to the main thread. */
const LOADER = `
let port
export function initialize(data) { port = data.port }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  port.postMessage(result.url)
  return result
}
`

/**
 * Imports the specifiers in order (with `process.argv` set as a script run as
 * `node <first specifier> ...argv` would see it; `require:NAME` is loaded with `require`, as a
 * CommonJS application loads it, from the repository root), then a sentinel module; the loader's messages
 * arrive in order, so once the sentinel's URL is in, every module the imports resolved is too.
 * Then prints the list after a marker and exits, even if an import started a server.
 */
const PROBE = `
import { register, createRequire } from 'node:module'
import { MessageChannel } from 'node:worker_threads'
const [specifiers, argv] = JSON.parse(process.argv[1])
const { port1, port2 } = new MessageChannel()
const esm = []
const SENTINEL = 'data:text/javascript,export default "sentinel"'
const done = new Promise((resolve) => port1.on('message', (url) => (url === SENTINEL ? resolve() : esm.push(url))))
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(LOADER)}), { data: { port: port2 }, transferList: [port2] })
process.argv = [process.argv[0], specifiers[0], ...argv]
const require = createRequire(process.cwd() + '/')
for (const specifier of specifiers) {
  if (specifier.startsWith('require:')) require(specifier.slice('require:'.length))
  else await import(specifier)
}
await import(SENTINEL)
await done
process.stdout.write('\\nMODULES ' + JSON.stringify({ esm, cjs: Object.keys(createRequire(import.meta.url).cache) }) + '\\n')
process.exit(0)
`

/**
 * The modules a fresh Node process loads to import `specifiers` (module specifiers or file URLs;
 * `require:NAME` to require NAME instead), as repository-relative paths.
 */
export function loadedModules(specifiers: readonly string[], argv: readonly string[] = []): string[] {
  const output = execFileSync(process.execPath, ['--input-type=module', '--no-warnings', '-e', PROBE, JSON.stringify([specifiers, argv])], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 15_000,
    env: { ...process.env, NODE_ENV: 'production' },
  })
  const line = output.split('\n').find((l) => l.startsWith('MODULES '))
  if (line === undefined) throw new Error(`the module probe printed no list:\n${output}`)
  const { esm, cjs } = JSON.parse(line.slice('MODULES '.length)) as { esm: string[]; cjs: string[] }
  return [...esm.filter((url) => url.startsWith('file://')).map((url) => new URL(url).pathname), ...cjs].map((path) =>
    path.slice(ROOT.length + 1).replace(/\\/g, '/'),
  )
}

/** A filter for the files of one package under node_modules. */
export const inPackage = (name: string) => (path: string) => path.startsWith(`node_modules/${name}/`)
