/**
 * `Actor` is an interface an application can augment (`declare module 'tokengate'`), so its own
 * actor shape types `req.actor` everywhere. Each fixture is compiled on its own with the
 * TypeScript compiler (the fixtures are left out of the project's own type check, since an
 * augmentation applies to the whole program it is in).
 */
import { join, resolve } from 'node:path'
import ts from 'typescript'

const ROOT = resolve(__dirname, '../..')

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  skipLibCheck: true,
  types: ['node'],
  // The built declarations (npm test builds first): what an application compiles against.
  paths: { tokengate: [join(ROOT, 'dist/lib/index.d.ts')] },
}

/** The previous program, so the second fixture reuses what the first parsed. */
let previous: ts.Program | undefined

function diagnostics(fixture: string): string[] {
  const program = ts.createProgram([join(__dirname, 'fixtures', fixture)], OPTIONS, undefined, previous)
  previous = program
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
}

test('an augmented Actor types req.actor.id as the application declared it', () => {
  expect(diagnostics('augmented.ts')).toEqual([])
})

test('near miss: without the augmentation, req.actor.id is unknown', () => {
  expect(diagnostics('plain.ts')).toEqual([expect.stringContaining("Type 'unknown' is not assignable to type 'string | undefined'")])
})
