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
    [['create'], 'tokengate: unknown command "create"'],
    [['help', 'nope'], 'tokengate: unknown command "nope"'],
  ])('%j exits 2 with one line', async (args, message) => {
    const result = await runCli(args)
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(lines(result.stderr)).toHaveLength(1)
    expect(result.stderr).toContain(message)
  })
})
