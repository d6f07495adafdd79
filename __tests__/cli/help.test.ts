/**
 * `--help` on every command (exit 0, usage and examples on stdout), and the top-level usage
 * errors: no command, an unknown command.
 */
import { lines, runCli } from './run-cli.js'

describe('--help', () => {
  test.each([
    [['--help'], 'Usage: tokengate COMMAND'],
    [['-h'], 'Usage: tokengate COMMAND'],
    [['help'], 'Usage: tokengate COMMAND'],
    [['create-token', '--help'], 'Usage: tokengate create-token'],
    [['help', 'create-token'], 'Usage: tokengate create-token'],
    [['inspect', '-h'], 'Usage: tokengate inspect'],
    [['check', '--help'], 'Usage: tokengate check'],
    // --help wins over anything else on the line, as with click.
    [['create-token', '--bogus', '--help'], 'Usage: tokengate create-token'],
  ])('%j', async (args, usage) => {
    const result = await runCli(args)
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout.startsWith(usage)).toBe(true)
    expect(result.stdout).toContain('Examples:')
    expect(result.stdout).toMatch(/^ {2,}tokengate (create-token|inspect|check) /m)
  })

  test("create-token's help shows Datasette's full example", async () => {
    const { stdout } = await runCli(['create-token', '--help'])
    expect(stdout).toContain('tokengate create-token root --secret mysecret')
    expect(stdout).toContain('--resource docs documents update-row --debug')
  })

  test('--help after -- is an argument, not a request for help', async () => {
    const result = await runCli(['create-token', '--secret', 's', '--', '--help'])
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/^dstok_/)
  })
})

describe('top-level usage errors', () => {
  test.each([
    [[], 'tokengate: missing COMMAND'],
    [['create'], 'tokengate: the 1st argument is not a command; the commands are create-token, inspect, check and tokens (see tokengate --help)'],
    [['inspct'], 'tokengate: the 1st argument is not a command; did you mean inspect? The commands are create-token, inspect, check and tokens (see tokengate --help)'],
    [['help', 'nope'], 'tokengate: the 2nd argument is not a command; the commands are create-token, inspect, check and tokens'],
  ])('%j exits 2 with one line', async (args, message) => {
    const result = await runCli(args)
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(lines(result.stderr)).toHaveLength(1)
    expect(result.stderr).toContain(message)
  })
})

describe('a secret typed in the wrong place never reaches stderr (security review, issue 9)', () => {
  const SECRET = 'Wq9s3cr3tVALUE'
  test.each([
    ['as the command', [SECRET]],
    ['as a help topic', ['help', SECRET]],
    ['as a second ACTOR_ID', ['create-token', 'root', SECRET]],
    ['after --', ['create-token', 'root', '--secret', 's', '--', SECRET]],
    ['as a short option', ['create-token', 'root', `-${SECRET}`]],
    ['as a long option', ['create-token', 'root', `--${SECRET}`]],
    ['as a long option with a value', ['create-token', 'root', `--${SECRET}=x`]],
    ['as a second TOKEN', ['inspect', 'dstok_x', SECRET]],
    ['after RESOURCE', ['check', '--config', 'metadata.json', 'view-table', 'db', 'table', SECRET]],
  ])('%s: exit 2, the argument named by its position', async (_label, args) => {
    const result = await runCli(args)
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/the \d+(st|nd|rd|th) argument/)
    expect(result.stdout + result.stderr).not.toContain(SECRET.slice(2, 10))
  })
})
