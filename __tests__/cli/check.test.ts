/**
 * `tokengate check`: the library's explain from a shell. Allowed exits 0 and denied exits 1,
 * each paired with its near miss; the JSON output is exactly gate.explain's decision; and every
 * usage error exits 2 with one line on stderr.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createGate } from 'tokengate'
import { lines, runCli, tempDir } from './run-cli.js'

const CONFIG = {
  databases: {
    docs: {
      allow: { id: ['bob', 'root'] },
      tables: { documents: { permissions: { 'insert-row': { id: 'bob' } } } },
    },
  },
}

let dir: string
let cleanup: () => void
beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
  writeFileSync(join(dir, 'metadata.json'), JSON.stringify(CONFIG))
})
afterEach(() => cleanup())

function check(args: readonly string[]): ReturnType<typeof runCli> {
  return runCli(['check', ...args], { cwd: dir })
}

describe('check: the decision and its exit status', () => {
  // Each allowed case is next to the near miss that is denied.
  test.each([
    ['bob may view docs/documents', ['--actor', '{"id":"bob"}', 'view-table', 'docs', 'documents'], 0],
    ['alice may not: she is not in docs.allow', ['--actor', '{"id":"alice"}', 'view-table', 'docs', 'documents'], 1],
    ['bob may insert into docs/documents', ['--actor', '{"id":"bob"}', 'insert-row', 'docs', 'documents'], 0],
    ['root may not insert: only bob is named', ['--actor', '{"id":"root"}', 'insert-row', 'docs', 'documents'], 1],
    ['bob restricted to view-table may view', ['--actor', '{"id":"bob","_r":{"a":["vt"]}}', 'view-table', 'docs', 'documents'], 0],
    ['bob restricted to view-table may not insert', ['--actor', '{"id":"bob","_r":{"a":["vt"]}}', 'insert-row', 'docs', 'documents'], 1],
    ['anonymous may view the instance (default allow)', ['view-instance'], 0],
    ['anonymous may not view docs', ['view-database', 'docs'], 1],
    ['--actor null is anonymous', ['--actor', 'null', 'view-database', 'docs'], 1],
    ['an abbreviation is accepted', ['--actor', '{"id":"bob"}', 'vt', 'docs', 'documents'], 0],
  ])('%s', async (_label, args, status) => {
    const result = await check(['--config', 'metadata.json', ...args])
    expect(result.status).toBe(status)
    expect(result.stderr).toBe('')
    expect(lines(result.stdout)[0]).toMatch(status === 0 ? /^ALLOWED: / : /^DENIED: /)
  })

  test('the text output explains: target, actor, reason, rules, restrictions', async () => {
    const result = await check(['--config', 'metadata.json', '--actor', '{"id":"alice"}', 'view-table', 'docs', 'documents'])
    expect(lines(result.stdout)).toEqual([
      'DENIED: view-table at docs/documents',
      'actor: {"id":"alice"}',
      expect.stringMatching(/^reason: denied: databases\.docs\.allow does not match actor \{"id":"alice"\}/),
      'rules (most specific first):',
      expect.stringMatching(/^ {2}database deny {2}config databases\.docs\.allow: /),
      expect.stringMatching(/^ {2}instance allow defaults: view-table is allowed by default/),
      'restrictions: the actor has no restrictions',
    ])
  })

  test('an action that also requires another shows that decision too', async () => {
    const result = await check(['--config', 'metadata.json', '--actor', '{"id":"alice"}', 'execute-sql', 'docs'])
    expect(result.status).toBe(1)
    expect(result.stdout).toContain('also requires:\n  DENIED: view-database at database docs\n')
  })

  test('--format json is exactly gate.explain\'s decision', async () => {
    const args = ['--actor', '{"id":"bob","_r":{"d":{"docs":["ir"]}}}', 'insert-row', 'docs', 'documents']
    const result = await check(['--config', 'metadata.json', '--format', 'json', ...args])
    expect(result.status).toBe(0)
    const gate = createGate(CONFIG)
    expect(JSON.parse(result.stdout)).toEqual(
      gate.explain({ id: 'bob', _r: { d: { docs: ['ir'] } } }, 'insert-row', { database: 'docs', resource: 'documents' }),
    )
  })
})

describe('check usage errors (exit 2, one line)', () => {
  test.each([
    ['no --config', ['view-instance'], '--config FILE is required'],
    ['no ACTION', ['--config', 'metadata.json'], 'missing ACTION'],
    ['too many arguments', ['--config', 'metadata.json', 'view-table', 'docs', 'documents', 'extra'], 'the 7th argument is unexpected: check takes ACTION [DB [RESOURCE]]'],
    ['an empty DB', ['--config', 'metadata.json', 'view-database', ''], 'DB must not be empty'],
    ['an unknown action', ['--config', 'metadata.json', 'fly'], 'Unknown action "fly"'],
    ['a mistyped action: did you mean', ['--config', 'metadata.json', 'view-tabel', 'docs', 'documents'], 'tokengate check: Unknown action "view-tabel"; did you mean "view-table"?\n'],
    ['a configuration naming an unset variable: "in the environment"', ['--config', 'env.json', 'view-instance'], 'secret: environment variable TOKENGATE_CHECK_UNSET is not set in the environment; set it or remove the reference\n'],
    ['--actor that is not JSON', ['--config', 'metadata.json', '--actor', '{id: bob}', 'view-instance'], '--actor is not valid JSON'],
    ['--actor that is a list', ['--config', 'metadata.json', '--actor', '["bob"]', 'view-instance'], '--actor must be a JSON object'],
    ['--actor that is a string', ['--config', 'metadata.json', '--actor', '"bob"', 'view-instance'], '--actor must be a JSON object'],
    ['--actor with a malformed _r', ['--config', 'metadata.json', '--actor', '{"id":"bob","_r":{"a":"vt"}}', 'view-instance'], '--actor: _r.a must be a list of action names'],
    ['--actor without its value', ['--config', 'metadata.json', 'view-instance', '--actor'], '--actor needs a value (JSON)'],
    ['a missing config file', ['--config', 'missing.json', 'view-instance'], 'the configuration file does not exist'],
    ['an invalid config file', ['--config', 'invalid.json', 'view-instance'], 'invalid.json: '],
    ['an unknown --format', ['--config', 'metadata.json', '--format', 'csv', 'view-instance'], '--format must be text or json'],
  ])('%s', async (_label, args, message) => {
    writeFileSync(join(dir, 'invalid.json'), JSON.stringify({ allow: 'root', databases: { d: { allow: 7 } } }))
    writeFileSync(join(dir, 'env.json'), JSON.stringify({ secret: { $env: 'TOKENGATE_CHECK_UNSET' } }))
    const result = await check(args)
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(lines(result.stderr)).toHaveLength(1)
    expect(result.stderr).toMatch(/^tokengate check: /)
    expect(result.stderr).toContain(message)
  })
})

describe("docs/cli.md's check example", () => {
  test('runs as printed, against the configuration printed above it, and prints what the page shows', async () => {
    const page = readFileSync(join(__dirname, '..', '..', 'docs', 'cli.md'), 'utf8')
    const section = page.slice(page.indexOf('## `check`'))
    const config = /```json\n([\s\S]*?)```/.exec(section)?.[1] ?? ''
    const shown = /```text\n\$ tokengate check ([^\n]*)\n([\s\S]*?)```/.exec(section)
    expect(shown).not.toBeNull()
    writeFileSync(join(dir, 'metadata.json'), config)
    // The command line as a shell would split it: its only quoted argument is --actor's JSON.
    const args = (shown?.[1] ?? '').match(/'[^']*'|\S+/g)?.map((arg) => arg.replace(/^'(.*)'$/, '$1')) ?? []
    const result = await check(args)
    expect(result.stdout).toBe(shown?.[2])
    expect(result.status).toBe(1)
  })
})
