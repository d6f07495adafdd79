#!/usr/bin/env node
/**
 * `npm run build`, the publishing build: two TypeScript passes over lib/, run side by side.
 *
 * - dist/lib (and dist/examples): ES modules with their declarations (tsconfig.build.json),
 *   what `import` and the `bin` load.
 * - dist/cjs/lib: CommonJS with its own declarations (tsconfig.cjs.json), what `require` loads:
 *   Jest in CommonJS mode and TypeScript's CommonJS output cannot load ES modules. A package.json
 *   of `{"type": "commonjs"}` in dist/cjs tells Node (and TypeScript) that those .js and .d.ts
 *   files are CommonJS inside this `"type": "module"` package.
 *
 * dist/ is removed first, so nothing stale (a deleted module, an old source map) is packed.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

function compile(project) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' })
    child.once('error', reject)
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`tsc -p ${project} failed (${signal ?? `exit code ${code}`})`)),
    )
  })
}

rmSync(join(root, 'dist'), { recursive: true, force: true })
const results = await Promise.allSettled([compile('tsconfig.build.json'), compile('tsconfig.cjs.json')])
const failed = results.filter((result) => result.status === 'rejected')
if (failed.length > 0) {
  for (const { reason } of failed) console.error(reason instanceof Error ? reason.message : reason)
  process.exit(1)
}
mkdirSync(join(root, 'dist', 'cjs'), { recursive: true })
writeFileSync(join(root, 'dist', 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`)
